"""What ``bsf identify FILE`` imports: never the database layer, the archive package or the
other commands' libraries (start-up is most of a one-file run; see docs/identification-engine.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from bsf.main import main
try:
    main(["identify", sys.argv[1]])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_identify_one_file_imports_no_database_or_other_commands(tmp_path: Path) -> None:
    import os

    sample = tmp_path / "notes.txt"
    sample.write_text("just some words\n")
    env = {**os.environ, "BSF_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):   # the first run fills the private cache, the second is the real case
        done = subprocess.run([sys.executable, "-c", PROBE, str(sample)], capture_output=True,
                              text=True, timeout=300, check=False, env=env,
                              cwd=Path(__file__).resolve().parents[2])
    assert "x-fmt/111" in done.stdout, done.stderr
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    forbidden = {m for m in modules if m.split(".")[0] in (
        "sqlalchemy", "archive", "upgrade", "packager", "workbench", "replication", "pydantic",
        "tinycss2", "lxml")}
    assert not forbidden, sorted(forbidden)
    assert not {m for m in modules if m.startswith(("bsf.commands.", "rich."))} - {
        "bsf.commands.identify"}
    assert "formats.signatures.compile" not in modules      # the compiled cache was used


def test_the_console_script_ends_without_teardown_but_with_all_output(tmp_path: Path) -> None:
    """``bsf identify`` leaves through ``os._exit`` once its output is flushed: every row must
    still arrive through a pipe, and the exit status must still say whether a path failed."""
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(400):
        (folder / f"f{n:03d}.txt").write_text(f"line {n}\n" * 50)
    cwd = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "bsf", "identify", "--csv", str(folder)],
                          capture_output=True, text=True, timeout=300, check=False, cwd=cwd)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 401 and lines[-1].startswith(str(folder / "f399.txt")), lines[-1:]
    assert "identified 400 files, 1 folders" in done.stderr
    failed = subprocess.run([sys.executable, "-m", "bsf", "identify", "--json",
                             str(folder / "f000.txt"), str(tmp_path / "missing.txt")],
                            capture_output=True, text=True, timeout=300, check=False, cwd=cwd)
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["files"][1]["errors"]
    assert "error: 1 of 2 paths could not be read" in failed.stderr
