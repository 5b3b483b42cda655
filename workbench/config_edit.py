"""Edit one list-valued key of the operator's dspace.cfg-style file without disturbing the rest.

``bsf registry subtypes add KEY`` must add a format key to
``formatIdentifier.TextSubtypeHelper.subtypes`` the way an operator would by hand: comments,
blank lines, other keys, continuation-line layout and line endings stay exactly as they were;
only the value grows by one item, on a new continuation line. When the key is not in the file,
its effective value (the built-in default list) is written out with the new item appended,
because writing the new item alone would silently drop the defaults.

The edited text is parsed again before it replaces the file (atomically, same folder), so the
file is never left unreadable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bsfcore.atomic import atomic_replace
from bsfcore.errors import ConfigError
from bsfcore.properties import parse_properties

SUBTYPES_KEY = "formatIdentifier.TextSubtypeHelper.subtypes"


@dataclass(frozen=True)
class ListEdit:
    path: Path
    key: str
    item: str
    changed: bool
    line: int  # 1-based line where the key (now) starts
    message: str


def _continues(line: str) -> bool:
    """True when a properties line ends with an unescaped backslash (value goes on)."""
    stripped = line.rstrip("\r\n").rstrip()
    trailing = len(stripped) - len(stripped.rstrip("\\"))
    return trailing % 2 == 1


def _locate(lines: list[str], key: str) -> tuple[int, int] | None:
    """(first, last) line indexes of the last definition of ``key``, or None."""
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*[=:]")
    found = None
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        start = i
        if stripped and stripped[0] not in "#!":
            while _continues(lines[i]) and i + 1 < len(lines):
                i += 1
            if pattern.match(lines[start]):
                found = (start, i)
        i += 1
    return found


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def add_list_item(path: str | Path, key: str, item: str,
                  current: list[str] | None = None) -> ListEdit:
    """Append ``item`` to the comma-separated list ``key`` in the file at ``path``.

    ``current`` is the key's effective value when the file does not set it (the default list);
    the new definition then lists it followed by ``item``. No change when ``item`` is already
    listed.
    """
    file = Path(path)
    try:
        with file.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError.at(str(file), None, f"cannot read configuration file: {exc}") from None
    entries = {e.key: e for e in parse_properties(text, str(file))}
    nl = _newline(text)
    lines = text.splitlines(keepends=True)
    where = _locate(lines, key)
    if key in entries:
        values = [v.strip() for v in entries[key].raw_value.split(",") if v.strip()]
        if item in values:
            return ListEdit(file, key, item, False, entries[key].line,
                            f"{item} is already in {key} ({file}:{entries[key].line})")
    if where is not None:
        first, last = where
        body = lines[last].rstrip("\r\n")
        ending = lines[last][len(body):] or ""
        if body.split("=", 1)[-1].strip() == "" and first == last:
            lines[last] = f"{body.rstrip()} {item}{ending or nl}"
        else:
            indent = _continuation_indent(lines, first, last)
            lines[last] = f"{body.rstrip()}, \\{nl}"
            lines.insert(last + 1, f"{indent}{item}{ending or nl}")
            if not ending:  # the file ended without a newline; keep it that way
                lines[last + 1] = lines[last + 1].rstrip("\r\n")
        start_line = first + 1
    else:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += nl
        values = [*(current or []), item]
        block = [f"# added by bsf registry subtypes add{nl}", f"{key} = \\{nl}"]
        block += [f"  {v}, \\{nl}" for v in values[:-1]] + [f"  {values[-1]}{nl}"]
        start_line = len(lines) + 2
        lines += block
    new_text = "".join(lines)
    reparsed = {e.key: e for e in parse_properties(new_text, str(file))}
    got = [v.strip() for v in reparsed[key].raw_value.split(",") if v.strip()]
    if item not in got:
        raise ConfigError.at(str(file), start_line, f"could not add {item} to {key} safely; "
                             "edit the file by hand")
    _atomic_write(file, new_text)
    return ListEdit(file, key, item, True, start_line, f"added {item} to {key} "
                    f"({file}:{start_line})")


def _continuation_indent(lines: list[str], first: int, last: int) -> str:
    if last > first:
        line = lines[last]
        return line[: len(line) - len(line.lstrip())] or "  "
    return "  "


def _atomic_write(file: Path, text: str) -> None:
    """Replace the file keeping its mode and ownership (:mod:`bsfcore.atomic`)."""
    atomic_replace(file, text.encode("utf-8"))
