"""The archive lock: one upgrade step at a time, except phase 2's cooperating workers.

The instructions insist nothing else touches the archive while it is converted. bsf enforces it
for its own runs:

* **PostgreSQL** — session advisory locks on a dedicated connection. They vanish with the
  session, so a run killed with ``kill -9`` never leaves a stale lock behind. The connection's
  ``application_name`` names the holder, which the refusal message quotes.
* **SQLite** — ``flock`` on a file beside the database (``<db>-bsf.lock``), also released by the
  kernel when the process dies; the file's text names the holder. A run that only reads
  (``read_only``: the report, a dry run) never creates that file: it locks it when it exists,
  and when it does not, no bsf run has ever locked this archive, so there is nothing to wait
  for (a writer starting at that moment creates it; the reader sees a consistent snapshot of
  each transaction either way).

Two locks exist: the *archive* lock (exclusive for every step; shared for phase 2 and its
``--worker`` processes, so workers on other machines can join) and the *phase 2* lock (exclusive,
held by the one coordinating ``phase2`` run), so a second coordinator is refused as well.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, text

from archive.db import require_writable, sqlite_file
from bsfcore.errors import StepError

Mode = Literal["exclusive", "shared"]
_KEY_CLASS = 0x62736675  # "bsfu"
ARCHIVE, PHASE2 = 1, 2
_NAMES = {ARCHIVE: "archive", PHASE2: "phase 2"}


def _holder(step: str) -> str:
    return f"bsf upgrade {step} pid {os.getpid()}@{socket.gethostname()}"[:63]


@contextmanager
def archive_lock(engine: Engine, step: str, *, mode: Mode = "exclusive",
                 phase2: bool = False, read_only: bool = False) -> Iterator[None]:
    """Hold the archive lock (and with ``phase2`` the phase 2 coordinator lock) for a step.

    Raises :class:`StepError` at once (never waits) when another run holds a conflicting lock.
    ``read_only``: the step writes nothing, so no lock file is created for it.
    """
    if not read_only:
        require_writable(engine)  # a read-only archive: one line, before any lock file
    wanted: list[tuple[int, Mode]] = [(ARCHIVE, mode)]
    if phase2:
        wanted.append((PHASE2, "exclusive"))
    with ExitStack() as stack:
        if engine.dialect.name == "postgresql":
            conn = stack.enter_context(
                engine.connect().execution_options(isolation_level="AUTOCOMMIT"))
            stack.callback(_pg_release, conn)
            conn.execute(text("SELECT set_config('application_name', :n, false)"),
                          {"n": _holder(step)})
            for key, how in wanted:
                _pg_lock(conn, key, how, step)
        else:
            base = _sqlite_lock_base(engine)
            for key, how in wanted:
                stack.enter_context(_file_lock(base, key, how, step, read_only))
        yield


def _pg_release(conn: Connection) -> None:
    """Session locks outlive a pooled connection's checkin: release them explicitly (or drop
    the session when that fails)."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock_all()"))
        conn.execute(text("SELECT set_config('application_name', '', false)"))
    except Exception:
        conn.invalidate()


def _pg_lock(conn: Connection, key: int, mode: Mode, step: str) -> None:
    fn = "pg_try_advisory_lock" if mode == "exclusive" else "pg_try_advisory_lock_shared"
    got = conn.execute(text(f"SELECT {fn}(:a, :b)"), {"a": _KEY_CLASS, "b": key}).scalar()
    if got:
        return
    holders = conn.execute(text(
        "SELECT DISTINCT a.application_name, a.client_addr, a.backend_start "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :a AND l.objid = :b "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND a.pid <> pg_backend_pid()"), {"a": _KEY_CLASS, "b": key}).all()
    who = "; ".join(f"{h.application_name or 'another session'}"
                    f"{' from ' + str(h.client_addr) if h.client_addr else ''}"
                    f" since {h.backend_start:%Y-%m-%d %H:%M:%S}" for h in holders)
    raise _refusal(step, key, who or "another session")


def _sqlite_lock_base(engine: Engine) -> Path | None:
    path = sqlite_file(engine.url)
    return None if path is None else path.resolve()


_MEMORY_LOCKS: dict[int, Mode] = {}


def _open_lock(path: Path, read_only: bool) -> int | None:
    """The lock file's descriptor; None for a read-only run when it does not exist."""
    flags = os.O_RDONLY if read_only else os.O_RDWR | os.O_CREAT
    try:
        return os.open(path, flags, 0o644)
    except FileNotFoundError:
        if read_only:
            return None
        raise


@contextmanager
def _file_lock(base: Path | None, key: int, mode: Mode, step: str,
               read_only: bool = False) -> Iterator[None]:
    if base is None:  # in-memory database: only this process can see it
        if key in _MEMORY_LOCKS and (mode == "exclusive" or _MEMORY_LOCKS[key] == "exclusive"):
            raise _refusal(step, key, "this process")
        _MEMORY_LOCKS[key] = mode
        try:
            yield
        finally:
            _MEMORY_LOCKS.pop(key, None)
        return
    path = base.with_name(f"{base.name}-bsf{'' if key == ARCHIVE else '-phase2'}.lock")
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:16]
    fallback = Path(tempfile.gettempdir()) / f"bsf-{digest}.lock"
    try:
        fd = _open_lock(path, read_only)
        if fd is None:
            fd = _open_lock(fallback, read_only)
    except OSError:
        # the database's folder is read-only to us: lock in the temp folder, keyed by the path
        fd = _open_lock(fallback, read_only)
    if fd is None:  # a read-only run, and no run ever locked this archive
        yield
        return
    try:
        flag = fcntl.LOCK_EX if mode == "exclusive" else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, flag | fcntl.LOCK_NB)
        except BlockingIOError:
            who = os.pread(fd, 300, 0).decode("utf-8", "replace").strip()
            raise _refusal(step, key, who or "another process") from None
        if mode == "exclusive" and not read_only:
            os.ftruncate(fd, 0)
            os.pwrite(fd, _holder(step).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _refusal(step: str, key: int, who: str) -> StepError:
    return StepError(
        f"cannot run {step}: the {_NAMES[key]} lock is held by {who}. Another bsf upgrade run "
        "is using this archive; wait for it to finish (or stop it) and run again.", step=step)
