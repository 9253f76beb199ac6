"""AWS console links, partition-aware (aws, aws-us-gov, aws-cn)."""

from __future__ import annotations

import string
import urllib.parse
from collections.abc import Mapping


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


class _Quoted(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def console_url(path_template: str, fields: Mapping[str, str]) -> str | None:
    """The console URL for a catalog path template, or None when a field it needs is missing."""
    # Each value is quoted twice over: the console reads paths like parameter names
    # ("/app/db/password") as one segment only when their slashes arrive as %252F.
    quoted = _Quoted({k: urllib.parse.quote(urllib.parse.quote(v, safe=""), safe="") for k, v in fields.items()})
    try:
        path = string.Formatter().vformat(path_template, (), quoted)
    except (KeyError, IndexError):
        return None
    return f"https://{console_host(fields.get('region', 'us-east-1'))}/{path}"
