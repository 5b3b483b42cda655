"""The documentation runs: README.md's tour and every ``docs/*.md`` block marked runnable.

A fenced ``sh`` block whose previous line is ``<!-- runnable -->`` is run against a fresh demo,
exactly as written, on SQLite and on PostgreSQL:

* The demo is made by the README's first command (its last ``&&`` part, ``.venv/bin/bsf
  demo``), in a temp folder that plays the reader's checkout: ``.venv/bin`` there holds this
  test's ``bsf`` and ``python``, and ``bsf`` is on ``PATH``. On SQLite the command runs twice
  (the second run must rebuild the folder); on PostgreSQL once, with ``--db`` naming a fresh
  database.
* Each document's blocks start from the demo as ``bsf demo`` left it (folder and database are
  restored from a snapshot), in the folder that holds ``bsf-demo/``.
* Lines of a block run in order; ``NAME=value``, ``export NAME=value`` and ``cd DIR`` lines
  are carried to the block's later lines; a trailing backslash continues a command.
* A command fails the test on a non-zero exit, or when it shows nothing: its stdout, stderr
  and any file it writes (a ``>`` redirect, ``-o``/``--output``/``--html``/``--csv FILE``) are
  all empty — a file it names must exist and not be empty — or it reports an empty result
  (``0 selected``, ``no recorded format changes``, ``0 formats``).
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- runnable -->"
CARRIED = re.compile(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S*$|^cd\s+\S+$")
EMPTY_RESULT = re.compile(r"^(?:0 selected\b|no recorded format changes|0 formats\b)", re.M)
#: bsf options that name a file the command writes (also counted as its output)
OUTPUT_OPTIONS = ("-o", "--output", "--html", "--csv")


@dataclass(frozen=True)
class Block:
    source: str  # README.md:12
    lines: tuple[str, ...]


def _blocks(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.strip() != MARKER:
            continue
        fence = lines[number + 1].strip()
        assert fence == "```sh", f"{path.name}:{number + 2}: {MARKER} must precede a ```sh block"
        body: list[str] = []
        for inner in lines[number + 2:]:
            if inner.strip() == "```":
                break
            body.append(inner)
        yield Block(f"{path.name}:{number + 3}", tuple(_commands(body)))


def _commands(body: list[str]) -> Iterator[str]:
    """The block's commands: continuation lines joined, blank lines and comments dropped."""
    pending = ""
    for raw in body:
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if line and not line.startswith("#"):
            yield line


def _documents() -> list[tuple[str, list[Block]]]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found = [(p.name, list(_blocks(p))) for p in docs]
    return [(name, blocks) for name, blocks in found if blocks]


def _first_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"^```sh\n(.*?)\n```", readme, re.M | re.S)
    assert first is not None
    parts = [p.strip() for p in first.group(1).split("&&")]
    assert parts[0].startswith("python3 -m venv .venv") and "pip install" in parts[1]
    assert parts[-1] == ".venv/bin/bsf demo", parts
    return parts[-1]


class Reader:
    """The reader's folder: a checkout with its .venv, where the README's commands run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        bin_dir = folder / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        here = Path(sys.executable).parent
        for name in ("bsf", "python", "python3"):
            found = shutil.which(name, path=str(here))
            assert found, f"{name} not installed beside {sys.executable}"
            (bin_dir / name).symlink_to(found)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BSF_")}
        self.env.update({"PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}",
                         "COLUMNS": "80", "NO_COLOR": "1"})

    def run(self, command: str,
            carried: list[str] | None = None) -> subprocess.CompletedProcess[str]:
        script = "\n".join(["set -e", *(carried or []), command])
        return subprocess.run(["sh", "-c", script], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=600)

    def check(self, source: str, command: str, carried: list[str]) -> None:
        done = self.run(command, carried)
        where = f"{source}: `{command}`"
        assert done.returncode == 0, (
            f"{where} exited {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        shown = done.stdout + done.stderr
        for target in _written_files(command):
            path = Path(target)
            if not path.is_absolute():
                cwd = self.folder
                for line in carried:
                    if line.startswith("cd "):
                        cwd = cwd / line.split(None, 1)[1]
                path = cwd / path
            if path.is_dir():  # `identify --csv FOLDER`: a flag before an input, not an output
                continue
            assert path.is_file() and path.stat().st_size, f"{where} wrote nothing to {target}"
            shown += path.read_text(encoding="utf-8", errors="replace")[:4000]
        assert shown.strip(), f"{where} printed nothing"
        assert not EMPTY_RESULT.search(shown), f"{where} found nothing:\n{shown[-1000:]}"


def _written_files(command: str) -> list[str]:
    """Files the command writes: ``> FILE`` (stdout) and bsf's ``-o``/``--html``/``--csv``
    FILE options (not ``-``). Shell comments and quoting are honoured."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    found = []
    for token, following in itertools.pairwise(tokens):
        if token == ">" or (token in OUTPUT_OPTIONS and following != "-"):
            found.append(following)
    return found


def _snapshot(reader: Reader) -> Path:
    snapshot = reader.folder / ".snapshot"
    shutil.copytree(reader.folder / "bsf-demo", snapshot, symlinks=True)
    return snapshot


def _restore(reader: Reader, snapshot: Path) -> None:
    """Put ``bsf-demo/`` back as the snapshot has it, copying only what changed (the asset
    store and the AIPs are large and never written by the documented commands), and remove
    whatever the commands left beside it."""
    demo = reader.folder / "bsf-demo"
    kept = set()
    for source in snapshot.rglob("*"):
        relative = source.relative_to(snapshot)
        target = demo / relative
        kept.add(relative)
        if source.is_dir():
            target.mkdir(exist_ok=True)
            continue
        mine, theirs = source.stat(), target.stat() if target.exists() else None
        if theirs is None or (mine.st_size, mine.st_mtime_ns) != (theirs.st_size,
                                                                 theirs.st_mtime_ns):
            shutil.copy2(source, target)
    for path in sorted(demo.rglob("*"), reverse=True):
        if path.relative_to(demo) not in kept:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    for name in os.listdir(reader.folder):
        if name not in ("bsf-demo", ".snapshot", ".venv"):
            target = reader.folder / name
            shutil.rmtree(target) if target.is_dir() else target.unlink()


def _run_documents(reader: Reader, restore: Callable[[], None]) -> None:
    documents = _documents()
    assert documents and documents[0][0] == "README.md", "the README's tour is not marked"
    assert len(documents) >= 4, [name for name, _ in documents]
    for _, blocks in documents:
        restore()
        for block in blocks:
            carried: list[str] = []
            for command in block.lines:
                if CARRIED.match(command):
                    carried.append(command)
                    continue
                reader.check(block.source, command, carried)


def test_docs_run_on_a_fresh_sqlite_demo(tmp_path: Path) -> None:
    reader = Reader(tmp_path)
    command = _first_command()
    for _ in range(2):  # the README's first command, twice: the second run rebuilds the demo
        done = reader.run(command)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "administrator: admin@myu.edu" in done.stdout
    snapshot = _snapshot(reader)
    _run_documents(reader, lambda: _restore(reader, snapshot))


@pytest.mark.postgres
def test_docs_run_on_a_fresh_postgres_demo(tmp_path: Path, pg_admin_url: str) -> None:
    url = create_pg_database(pg_admin_url)
    snapshot_url = None
    try:
        reader = Reader(tmp_path)
        command = _first_command().replace(".venv/bin/bsf", f".venv/bin/bsf --db {url}", 1)
        done = reader.run(command)
        assert done.returncode == 0, done.stderr[-3000:]
        name = make_url(url).database
        admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        snapshot_url = make_url(url).set(database=f"{name}_snap").render_as_string(
            hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}_snap" TEMPLATE "{name}"'))
        snapshot = _snapshot(reader)

        def restore() -> None:
            _restore(reader, snapshot)
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{name}_snap"'))

        _run_documents(reader, restore)
        admin.dispose()
    finally:
        if snapshot_url is not None:
            drop_pg_database(pg_admin_url, snapshot_url)
        drop_pg_database(pg_admin_url, url)
