"""How a path is written: UTF-8-safe display names and DROID's ``file:`` / archive URIs.

DROID encodes each path segment as Java's ``URLEncoder`` does (letters, digits and ``.-*_``
kept, a space as ``%20``, every other byte of the UTF-8 form as ``%XX``), so the URI is exact even
for names that are not UTF-8 (their raw bytes are encoded). Archive members get DROID's nested
form ``zip:file:/a.zip!/dir/x.txt`` (the scheme of the archive type before the parent's URI);
DROID's ``FILE_PATH`` for them is the same string decoded.
"""

from __future__ import annotations

import os
from urllib.parse import quote

_SAFE = ".-*_"


def display_path(text: str) -> tuple[str, bool]:
    """(text safe to write as UTF-8, whether it was valid). Undecodable bytes become ``\\xNN``."""
    try:
        text.encode("utf-8")
        return text, True
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:   # a surrogate that no byte produced
            return text.encode("utf-8", "replace").decode("utf-8"), False
        return raw.decode("utf-8", "backslashreplace"), False


def _segment(raw: bytes) -> str:
    return quote(raw, safe=_SAFE)


def file_uri(abspath: str, *, folder: bool = False) -> str:
    """DROID's URI of an absolute path (``file:/a/b%20c.txt``; folders end with ``/``)."""
    raw = os.fsencode(abspath)
    uri = "file:" + "/".join(_segment(part) for part in raw.split(b"/"))
    return uri + "/" if folder and not uri.endswith("/") else uri


def member_uri(kind: str, parent_uri: str, member: str, *, folder: bool = False) -> str:
    """``kind:parent!/member`` with the member path encoded per segment (DROID's form)."""
    raw = member.encode("utf-8", "surrogateescape")
    inner = "/".join(_segment(part) for part in raw.split(b"/"))
    if folder and not inner.endswith("/"):
        inner += "/"
    return f"{kind}:{parent_uri}!/{inner}"


def member_path(kind: str, parent_path: str, member: str, *, folder: bool = False) -> str:
    """DROID's ``FILE_PATH`` of a member: the URI above, decoded."""
    if folder and not member.endswith("/"):
        member += "/"
    return f"{kind}:{parent_path}!/{member}"
