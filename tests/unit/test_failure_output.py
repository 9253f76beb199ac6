"""Text from instances in a failure message: a bounded, clean tail, and never a header or a subject."""

from __future__ import annotations

from notifier.failures.output import OUTPUT_TAIL, clean_output, quoted, signature


def test_a_megabyte_of_output_becomes_its_last_lines_within_the_bound() -> None:
    raw = "".join(f"line {n}\n" for n in range(200_000)) + "E: Unable to locate package foo\n"
    assert len(raw) > 1_000_000

    tail = clean_output(raw)

    assert len(tail) <= OUTPUT_TAIL
    assert tail.endswith("E: Unable to locate package foo")
    assert "line 0\n" not in tail and "line 199999" in tail


def test_control_characters_escape_sequences_and_bad_bytes_are_removed() -> None:
    raw = b"\x1b[31mERROR\x1b[0m: disk \x00full\x07\r\nnext\xff\xfe line\x1b]0;title\x07"

    text = clean_output(raw)

    assert text.startswith("ERROR: disk full")
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text and "\r" not in text
    assert "\ufffd" in text  # the bytes that were not UTF-8, shown as such
    assert all(ch == "\n" or ch >= " " for ch in text)


def test_a_header_lookalike_stays_a_quoted_line_of_the_body() -> None:
    raw = "ok\r\nSubject: you have been hacked\r\nBcc: everyone@example.com\n\nFrom: admin"

    lines = quoted(clean_output(raw))

    assert lines == [
        "      | ok",
        "      | Subject: you have been hacked",
        "      | Bcc: everyone@example.com",
        "      | From: admin",
    ]


def test_the_signature_is_the_last_error_line_else_the_last_line() -> None:
    assert signature("Reading package lists...\nE: Unable to locate package foo\nDone") == (
        "E: Unable to locate package foo"
    )
    assert signature("step 1\nstep 2") == "step 2"
    assert signature("") == ""
    assert len(signature("error " + "x" * 5000)) == 200


def test_the_agents_own_trailer_never_names_a_failure() -> None:
    output = "----------ERROR-------\nE: Unable to locate package foo\nfailed to run commands: exit status 100"
    assert signature(output) == "E: Unable to locate package foo"
    assert signature("failed to run commands: exit status 1") == "failed to run commands: exit status 1"


def test_lone_surrogates_from_a_json_answer_become_encodable_text() -> None:
    text = clean_output("disk \udcff full")
    assert text.encode("utf-8").decode("utf-8") == "disk ? full"
