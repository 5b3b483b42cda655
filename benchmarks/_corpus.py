"""A deterministic corpus of real files from this machine's system folders (nothing copied).

The recipe (also in docs/identification-engine.md):

1. Walk the system folders: ``/usr/share``, ``/usr/lib``, ``/usr/include``, ``/etc``, ``/opt``
   and the base Python's standard library folder (which holds its test data: audio, images,
   archives), in sorted order, never following symlinks and never entering the project, ``/tmp``,
   ``/proc`` or ``/work``.
2. Keep regular, readable, non-empty files up to 32 MiB whose extension belongs to one of the
   categories below (documents, images, archives, fonts, audio, source code, web/text files,
   compiled binaries).
3. Per extension, order the candidates by the SHA-1 of their path and take the first ones up to
   the extension's share of its category's quota. The same machine always gives the same list;
   hashing spreads the picks over many packages instead of one folder.

:func:`text_samples` and :func:`negative_samples` pick, by the same rule, the real web/text files
for the renamed-``.dat`` test and the prose, code, log and config files for the false-positive
test.
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: category -> (extensions, quota)
CATEGORIES: dict[str, tuple[tuple[str, ...], int]] = {
    "documents": (("pdf", "ps", "eps", "odt", "ods", "odp", "docx", "xlsx", "pptx", "doc", "xls",
                   "rtf", "epub", "dvi", "tex"), 160),
    "images": (("png", "jpg", "jpeg", "gif", "bmp", "ico", "tif", "tiff", "webp", "xpm", "xbm",
                "pgm", "ppm", "pbm", "icns"), 200),
    "archives": (("gz", "bz2", "xz", "zip", "jar", "whl", "tar", "tgz", "zst", "7z", "egg"), 160),
    "fonts": (("ttf", "otf", "pfb", "pfa", "woff", "woff2", "afm", "pcf"), 60),
    "audio": (("wav", "aif", "aiff", "au", "ogg", "oga", "flac", "mp3", "mid", "aifc"), 80),
    "source": (("py", "c", "h", "cpp", "hpp", "cc", "js", "pl", "pm", "rb", "sh", "java", "go",
                "rs", "tcl", "lua", "php", "el", "awk", "sql", "m4", "cmake", "pyi"), 400),
    "web": (("html", "htm", "css", "json", "xml", "svg", "md", "rst", "txt", "yaml", "yml",
             "csv", "xsl", "xsd", "dtd", "ini", "conf", "cfg", "toml"), 520),
    "binaries": (("so", "a", "mo", "pyc", "beam", "jmod", "class", "o", "bc", "elc"), 160),
}
MAX_SIZE = 32 << 20
EXCLUDED = ("/proc", "/sys", "/dev", "/tmp", "/work", "/run", "/var/tmp")

#: kinds of the renamed-.dat test: extension -> kind name (the expected answer is by kind)
TEXT_KINDS: dict[str, str] = {"css": "css", "json": "json", "xml": "xml", "html": "html",
                              "htm": "html", "md": "md", "txt": "txt", "svg": "svg"}
TEXT_PER_KIND = 40
#: prose, code, logs and config for the false-positive test
NEGATIVE_KINDS: dict[str, tuple[str, ...]] = {
    "prose": ("copyright", "README", "AUTHORS", "NEWS", "THANKS"),
    "code": ("py", "c", "h", "sh", "pl", "tcl", "js"),
    "logs": ("log",),
    "config": ("conf", "ini", "cfg", "toml", "service", "desktop"),
}
NEGATIVE_PER_KIND = 40


def roots() -> list[str]:
    """The system folders walked, base Python's standard library included."""
    found = ["/usr/share", "/usr/lib", "/usr/include", "/etc", "/opt", "/var/log"]
    stdlib = sysconfig.get_paths(vars={"base": sys.base_prefix,
                                       "installed_base": sys.base_prefix})["stdlib"]
    if not any(stdlib == r or stdlib.startswith(r + os.sep) for r in found):
        found.append(stdlib)
    return [r for r in found if os.path.isdir(r)]


def _walk(top: str, project: str, wanted: frozenset[str], names: frozenset[str]
          ) -> Iterator[str]:
    """Regular non-empty files up to MAX_SIZE below ``top`` with a wanted extension or name
    (``scandir``: one ``lstat`` per candidate, none for the others)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.path.startswith((*EXCLUDED, project)):
                        subdirs.append(entry.path)
                    continue
                if _ext(entry.name) not in wanted and entry.name not in names:
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                size = entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
            if 0 < size <= MAX_SIZE:
                yield entry.path
        stack.extend(reversed(subdirs))


def _ext(path: str) -> str:
    base = os.path.basename(path)
    dot = base.rfind(".")
    return base[dot + 1:].lower() if dot > 0 else ""


def _digest(path: str) -> str:
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Inventory:
    """Every usable system file, grouped by extension (and by base name for extension-less)."""

    by_ext: dict[str, list[str]]
    by_name: dict[str, list[str]]


def inventory(project: str) -> Inventory:
    by_ext: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    wanted = {e for exts, _ in CATEGORIES.values() for e in exts}
    wanted |= set(TEXT_KINDS) | {e for exts in NEGATIVE_KINDS.values() for e in exts}
    names = frozenset(NEGATIVE_KINDS["prose"])
    for top in roots():
        for path in _walk(top, project, frozenset(wanted), names):
            base = os.path.basename(path)
            if base in names:
                by_name.setdefault(base, []).append(path)
            else:
                by_ext.setdefault(_ext(base), []).append(path)
    for table in (by_ext, by_name):
        for key in table:
            table[key].sort(key=_digest)
    return Inventory(by_ext, by_name)


def _share(pools: Sequence[list[str]], quota: int) -> list[str]:
    """Round-robin over the pools (one per extension) until the quota is met."""
    picked: list[str] = []
    index = 0
    while len(picked) < quota and any(index < len(p) for p in pools):
        for pool in pools:
            if index < len(pool) and len(picked) < quota:
                picked.append(pool[index])
        index += 1
    return picked


def system_corpus(inv: Inventory) -> dict[str, list[str]]:
    """Category -> files, deterministic for a given machine."""
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for category, (exts, quota) in CATEGORIES.items():
        pools = [[p for p in inv.by_ext.get(e, []) if p not in seen] for e in exts]
        out[category] = _share(pools, quota)
        seen.update(out[category])
    return out


def text_samples(inv: Inventory) -> dict[str, list[str]]:
    """Kind -> real files of that kind (renamed ``.dat`` copies are made by the caller)."""
    kinds: dict[str, list[str]] = {}
    for ext, kind in TEXT_KINDS.items():
        kinds.setdefault(kind, []).extend(inv.by_ext.get(ext, []))
    return {kind: sorted(paths, key=_digest)[:TEXT_PER_KIND] for kind, paths in kinds.items()}


def negative_samples(inv: Inventory) -> dict[str, list[str]]:
    """Kind -> prose, code, log and config files (none of them CSS/JSON/CSV/Markdown/markup)."""
    out: dict[str, list[str]] = {}
    for kind, keys in NEGATIVE_KINDS.items():
        table = inv.by_name if kind == "prose" else inv.by_ext
        pools = [[p for p in table.get(k, []) if _plain(p)] for k in keys]
        out[kind] = _share(pools, NEGATIVE_PER_KIND)
    return out


def _plain(path: str) -> bool:
    """Not markup, JSON or a stylesheet by its first byte (those are not negatives)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return bool(start) and start not in (b"<", b"{", b"[") and b"\0" not in head
