"""Compatibility console scripts with the conversion instructions' exact flags.

``Upgrade15To16 [-0] [-p FILE] [-1] [-2] [-r] [-v] [-n] [-3]`` and ``Cleanup -c [-n]``. They
read the same configuration as ``bsf`` (``--config FILE`` or ``$BSF_CONFIG``; ``--db`` and
``--assetstore`` override it) and run the same library steps. Several step flags in one call
run in the instructions' order (0, p, 1, 2, r, 3), stopping at the first failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bsfcore.errors import BsfError

_ORDER = ("phase0", "provisional", "phase1", "phase2", "report", "phase3")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="dspace.cfg-style configuration (default: $BSF_CONFIG)")
    parser.add_argument("--db", metavar="URL", help="archive database URL (overrides db.url)")
    parser.add_argument("--assetstore", metavar="DIR",
                        help="asset store folder (overrides assetstore.dir)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def upgrade_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="Upgrade15To16",
        description="Convert a DSpace 1.5 archive to the renovated BitstreamFormat model, phase "
        "by phase, as in the conversion instructions.")
    parser.add_argument("-0", dest="phase0", action="store_true",
                        help="phase 0: convert the DB schema (THERE IS NO UNDO but a backup)")
    parser.add_argument("-p", dest="provisional", metavar="FILE",
                        help="write a Provisional registry guess to FILE (edit it, then "
                        "configure it)")
    parser.add_argument("-1", dest="phase1", action="store_true",
                        help="phase 1: convert to DSpace and Provisional registries where "
                        "possible (rerunnable until phase 2)")
    parser.add_argument("-2", dest="phase2", action="store_true",
                        help="phase 2: automatic identification of remaining bitstreams "
                        "(resumable)")
    parser.add_argument("-r", dest="report", action="store_true",
                        help="report: SUMMARY lines (with -v a BITSTREAM line each)")
    parser.add_argument("-v", dest="verbose", action="store_true", help="verbose output")
    parser.add_argument("-n", dest="dry_run", action="store_true",
                        help="dry run: show what would be done, change nothing")
    parser.add_argument("-3", dest="phase3", action="store_true",
                        help="phase 3: final database conversion (all bitstreams converted)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="phase 2 worker processes (default 1)")
    _common(parser)
    return parser


def _context(args: argparse.Namespace, **options: Any) -> Any:
    from archive.db import open_engine
    from bsfcore.settings import load_settings
    from upgrade.step import StepContext

    settings = load_settings(args.config, db=args.db, assetstore=args.assetstore)
    engine = open_engine(settings.db_url, existing=True)
    return StepContext(engine, settings=settings, cli_args={
        "config": args.config, "db": args.db, "assetstore": args.assetstore}, **options)


def _guard(args: argparse.Namespace, body: Callable[[], None]) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from archive.db import database_error

    try:
        body()
    except (BsfError, SQLAlchemyError) as exc:
        if args.debug:
            raise
        error = exc if isinstance(exc, BsfError) else database_error(exc)
        sys.stderr.write(f"error: {error}\n")
        return error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        return 130
    return 0


def upgrade15to16(argv: Sequence[str] | None = None) -> int:
    parser = upgrade_parser()
    args = parser.parse_args(argv)
    wanted = [key for key in _ORDER if getattr(args, key)]
    if not wanted:
        parser.print_usage(sys.stderr)
        sys.stderr.write("Upgrade15To16: give a step: -0, -p FILE, -1, -2, -r or -3 "
                         "(see --help)\n")
        return 2

    def body() -> None:
        from upgrade.provisional import Provisional
        from upgrade.runner import run_step

        ctx = _context(args, dry_run=args.dry_run, verbose=args.verbose, workers=args.workers)
        for key in wanted:
            step: Any = Provisional(args.provisional) if key == "provisional" else key
            run_step(step, ctx)

    return _guard(args, body)


def cleanup(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="Cleanup", description="Check the asset store before Upgrade15To16: find "
        "bitstreams whose asset file is missing or unreadable and mark them deleted.")
    parser.add_argument("-c", dest="check", action="store_true",
                        help="check for missing/unreadable asset files")
    parser.add_argument("-n", dest="dry_run", action="store_true",
                        help="with -c: do not mark broken bitstreams deleted")
    _common(parser)
    args = parser.parse_args(argv)
    if not args.check:
        sys.stderr.write("Cleanup: only -c (check) is implemented here; purging deleted "
                         "bitstreams is DSpace's own cleanup.\n")
        return 2

    def body() -> None:
        from upgrade.runner import run_step

        run_step("cleanup", _context(args, dry_run=args.dry_run))

    return _guard(args, body)


def upgrade15to16_main() -> None:
    sys.exit(upgrade15to16())


def cleanup_main() -> None:
    sys.exit(cleanup())
