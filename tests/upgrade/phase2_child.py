"""Phase 2 in a child process, for the kill -9 test: ``python -m tests.upgrade.phase2_child
DB_URL STORE_DIR BATCH_SIZE DELAY``."""

from __future__ import annotations

import sys

from archive.db import open_engine
from bsfcore.settings import load_settings
from tests.upgrade.helpers import FakeStack
from upgrade.runner import run_step
from upgrade.step import StepContext


def main(argv: list[str]) -> None:
    url, store, batch_size, delay = argv[0], argv[1], int(argv[2]), float(argv[3])
    workers = int(argv[4]) if len(argv) > 4 else 1
    engine = open_engine(url)
    settings = load_settings(None, db=url, assetstore=store)
    stack = FakeStack(delay)
    ctx = StepContext(engine, settings=settings, stack=stack, registry_set=stack.registries,
                      batch_size=batch_size, workers=workers)
    run_step("phase2", ctx)


if __name__ == "__main__":
    main(sys.argv[1:])
