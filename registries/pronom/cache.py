"""A small pickle cache in the user's cache directory, keyed by a source file's SHA-256.

Parsing V118 takes a few hundred milliseconds; loading the pickled form takes a few tens.
The key includes a format version so an upgrade of bsf never reads a stale layout, and a
corrupt or unreadable cache entry is ignored (and rebuilt), never an error.
"""

from __future__ import annotations

import hashlib
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


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered per process by (path, mtime, size)."""
    st = os.stat(path)
    memo = (os.fspath(path), st.st_mtime_ns, st.st_size)
    known = _DIGESTS.get(memo)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    _DIGESTS[memo] = digest.hexdigest()
    return _DIGESTS[memo]


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
