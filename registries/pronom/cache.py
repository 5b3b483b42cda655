"""A small pickle cache in the user's cache directory, keyed by a source file's SHA-256.

Parsing V122 takes a few hundred milliseconds; loading the pickled form takes a few tens.
The key includes a format version so an upgrade of bsf never reads a stale layout, and a
corrupt or unreadable cache entry is ignored (and rebuilt), never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: bump when any pickled class changes shape
CACHE_FORMAT = 8


def cache_dir() -> Path:
    """``$BSF_CACHE_DIR``, else ``$XDG_CACHE_HOME/bsf``, else ``~/.cache/bsf``."""
    explicit = os.environ.get("BSF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "bsf"


_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}
#: file -> (mtime_ns, ctime_ns, size, inode, sha256) of files hashed before, kept in the cache
#: folder so that a new process does not re-read a 3.5 MB signature file to find its cache
_MEMO_NAME = "digests-v1.json"
_memo_file: tuple[Path, dict[str, list[object]]] | None = None


def _stat_key(path: Path) -> tuple[str, int, int, int, int]:
    st = os.stat(path)
    return os.fspath(path), st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


def _load_memo() -> dict[str, list[object]]:
    global _memo_file
    folder = cache_dir()
    if _memo_file is None or _memo_file[0] != folder:
        memo: dict[str, list[object]] = {}
        try:
            data = json.loads((folder / _MEMO_NAME).read_text(encoding="utf-8"))
            if isinstance(data, dict):
                memo = data
        except (OSError, ValueError):
            pass
        _memo_file = (folder, memo)
    return _memo_file[1]


def _save_memo(memo: dict[str, list[object]]) -> None:
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(memo, fh)
        os.replace(tmp, folder / _MEMO_NAME)
    except OSError:
        pass


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered by (path, mtime, ctime, size, inode) in this process and
    in the cache folder (a changed file changes its ctime, so a stale digest is never used)."""
    key = _stat_key(Path(path))
    known = _DIGESTS.get(key)
    if known is not None:
        return known
    memo = _load_memo()
    stored = memo.get(key[0])
    if isinstance(stored, list) and stored[:4] == list(key[1:]) and isinstance(stored[4], str):
        _DIGESTS[key] = stored[4]
        return stored[4]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    _DIGESTS[key] = digest.hexdigest()
    if len(memo) > 256:
        memo.clear()
    memo[key[0]] = [*key[1:], _DIGESTS[key]]
    _save_memo(memo)
    return _DIGESTS[key]


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """Return the cached object for ``(kind, key)``, building and storing it when absent.

    Writing is atomic (temp file + rename) so parallel workers never see half a file; a
    cache directory that cannot be written just means no cache.
    """
    path = cache_dir() / f"{kind}-v{CACHE_FORMAT}-{key}.pickle"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        pass
    except Exception:  # corrupt, truncated, from another Python: rebuild
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass
    return value
