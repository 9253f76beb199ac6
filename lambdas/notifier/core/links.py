"""AWS console links, partition-aware (aws, aws-us-gov, aws-cn)."""

from __future__ import annotations

import string
import urllib.parse
from collections.abc import Iterator, Mapping


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def console_host(region: str) -> str:
    partition = partition_of(region)
    if partition == "aws-cn":
        return "console.amazonaws.cn"
    if partition == "aws-us-gov":
        return "console.amazonaws-us-gov.com"
    return f"{region}.console.aws.amazon.com"


class _Quoted(Mapping[str, str]):
    """The fields a path template names, quoted when read: only those, however large the others."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = fields

    def __getitem__(self, key: str) -> str:
        # Quoted twice over: the console reads paths like parameter names ("/app/db/password")
        # as one segment only when their slashes arrive as %252F.
        return urllib.parse.quote(urllib.parse.quote(self.fields[key], safe=""), safe="")

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)


def console_url(path_template: str, fields: Mapping[str, str]) -> str | None:
    """The console URL for a catalog path template, or None when a field it needs is missing."""
    try:
        path = string.Formatter().vformat(path_template, (), _Quoted(fields))
    except (KeyError, IndexError):
        return None
    return f"https://{console_host(fields.get('region', 'us-east-1'))}/{path}"
