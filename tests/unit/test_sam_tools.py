"""The pieces of `make sam-invoke` and `make test-sam` that need no Docker: what SAM's answer means, SAM's
environment, the forwarding from Docker's bridge to the stand-ins, and Docker's absence said, not hidden.
tests/sam/ runs them with the real SAM CLI."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tools.harness import docker_engine
from tools.harness.docker_engine import DockerUnavailable, bridged
from tools.harness.sam_cli import SamInvocation, sam_environment


def answered(stdout: str, returncode: int = 0, stderr: str = "") -> SamInvocation:
    return SamInvocation(["sam"], returncode, stdout, stderr, 1.0)


def test_sam_s_answer_is_the_function_s_result_or_error_on_its_last_json_line():
    logs = "Invoking handlers.ami.handler (python3.13)\n"
    assert answered(logs + '{"messageId": "m-1"}\n').outcome == "notified"
    assert answered(logs + '{"duplicate": true, "messageId": "m-1"}').outcome == "duplicate"
    refused = answered(json.dumps({"errorType": "InvalidEventError", "errorMessage": "field 'detail.ImageId'"}))
    assert refused.outcome == "rejected" and refused.error == ("InvalidEventError", "field 'detail.ImageId'")
    crashed = answered(json.dumps({"errorType": "IdempotencyPersistenceLayerError", "errorMessage": "no table"}))
    assert crashed.outcome == "failed"
    # SAM itself failed (no Docker, no image): no answer at all.
    broken = answered("", 1, "Error: Running AWS SAM projects locally requires Docker.\n")
    assert broken.outcome == "failed" and broken.error is not None
    assert broken.error[0] == "SamError" and "requires Docker" in broken.error[1]


def test_against_the_stand_ins_sam_passes_placeholder_credentials_and_no_profile(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    local = sam_environment(local=True)
    assert "AWS_PROFILE" not in local and local["AWS_ACCESS_KEY_ID"] == "testing"
    assert local["SAM_CLI_TELEMETRY"] == "0"
    deployed = sam_environment(local=False)  # against a deployed stack: the user's own
    assert deployed["AWS_PROFILE"] == "production" and deployed["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"


def test_without_docker_the_engine_is_said_to_be_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DockerUnavailable, match="no docker client"), docker_engine.docker_engine(None):
        pass


def test_the_bridge_forwards_each_stand_in_and_leaves_other_values_alone():
    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"seen {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stand_in = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # Another address of this machine stands for the bridge's.
        with bridged({"sns": stand_in, "sqs": stand_in, "calendars": "Freeze"}, address="127.0.0.2") as reach:
            assert reach["sns"] == reach["sqs"] != stand_in and reach["sns"].startswith("http://127.0.0.2:")
            assert reach["calendars"] == "Freeze"
            with urllib.request.urlopen(f"{reach['sns']}/queue") as response:
                assert response.read() == b"seen /queue"
        with pytest.raises(OSError):  # closed with the block
            urllib.request.urlopen(reach["sns"], timeout=2)
    finally:
        server.shutdown()
        server.server_close()
