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
        "tinycss2")}
    assert not forbidden, sorted(forbidden)
    assert not {m for m in modules if m.startswith(("bsf.commands.", "rich."))} - {
        "bsf.commands.identify"}
    assert "formats.signatures.compile" not in modules      # the compiled cache was used
