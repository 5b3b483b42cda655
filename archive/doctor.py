"""``bsf doctor``: what an operator needs before starting, checked in one go.

Each check answers one question and, when the answer is no, says how to fix it: does the
configuration load; is the database reachable, which schema does it hold and how far is the
conversion; are the asset stores readable; do the DROID signature files load (and which
versions); is libmagic there; is the archive lock free; is there disk space for the reports.
A failing check never stops the others (only the checks that need a database skip when there
is none), so one run lists everything to fix.

Nothing here writes to the archive. Two things touch the disk: taking the archive lock for a
moment creates its lock file beside an SQLite database (as every upgrade step does), and a
parsed signature file lands in the user cache (as every identification does).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from archive.db import is_renovated, normalise_url, open_engine
from archive.lock import archive_lock
from archive.schema import T15, T16
from bsfcore.errors import BsfError
from bsfcore.settings import Settings
from registries.config import FormatConfig, load_format_config

#: Report bytes per bitstream (seed line + CSV row + share of the HTML summary), rounded up.
REPORT_BYTES_PER_BITSTREAM = 1024
REPORT_BYTES_MINIMUM = 10 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    """One check's answer: ``ok`` (green) or not (red, with the ``fix``)."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "checks": [asdict(check) for check in self.checks]}


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def check_configuration(load: Callable[[], Settings]) -> tuple[Check, Settings | None,
                                                                FormatConfig | None]:
    try:
        settings = load()
        formats = load_format_config(settings)
    except BsfError as exc:
        return (Check("configuration", False, str(exc),
                      "correct what the message names (a file and line, or a command-line "
                      "option); without --config and $BSF_CONFIG bsf uses its defaults"),
                None, None)
    where = settings.path or "no configuration file (built-in defaults)"
    registries = ", ".join(formats.registries)
    stack = ", ".join(spec.configured_name.rsplit(".", 1)[-1] for spec in formats.identifiers)
    return (Check("configuration", True, f"{where}; registries {registries}; identifiers "
                  f"{stack}"), settings, formats)


def check_database(settings: Settings) -> tuple[Check, Engine | None]:
    try:
        url = settings.db_url
        parsed = make_url(normalise_url(url))
    except BsfError as exc:
        return Check("database", False, str(exc), "set db.url in the configuration or pass "
                     "--db URL (e.g. sqlite:///archive.db)"), None
    except SQLAlchemyError as exc:
        return Check("database", False, f"malformed database URL: {_first_line(exc)}",
                     "correct db.url (e.g. postgresql://user@host/dspace)"), None
    shown = parsed.render_as_string(hide_password=True)
    local = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "",
                                                                                ":memory:")
    if local and not Path(str(parsed.database)).is_file():
        return Check("database", False, f"{shown}: the database file does not exist",
                         "correct db.url, or create an archive there (bsf archive init, or "
                         "bsf demo)"), None
    try:
        engine = open_engine(url)
    except BsfError as exc:
        return Check("database", False, str(exc), "start the database server, check the "
                     "host, port, user and password in db.url, and that the database exists"), None
    return Check("database", True, f"{shown} ({engine.dialect.name}) answers"), engine


def check_schema(engine: Engine) -> Check:
    """Which archive the database holds and how far the conversion is."""
    try:
        tables = set(inspect(engine).get_table_names())
        if "bitstream" not in tables:
            return Check("schema", False, "no DSpace tables in this database",
                         "point db.url at the DSpace database, or create an archive (bsf "
                         "archive init)")
        renovated = is_renovated(engine)
        bs = T16.bitstream if renovated else T15.bitstream
        with engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(bs)).scalar_one())
            missing = int(conn.execute(select(func.count()).select_from(bs).where(
                bs.c.bitstream_format_id.is_(None))).scalar_one()) if renovated else 0
    except SQLAlchemyError as exc:
        return Check("schema", False, f"cannot read the archive: {_first_line(exc)}",
                     "check the database user's rights on the DSpace tables")
    if not renovated:
        phase = "DSpace 1.5 schema, before phase 0 (next: bsf upgrade phase0, after a backup)"
    elif "bsf15_bitstreamformat" in tables:
        phase = (f"renovated schema, phases 1-2: {total - missing:,} of {total:,} bitstreams "
                 "have a new format (next: phase 1/2, then phase 3)")
    else:
        phase = "renovated schema, conversion finished (phase 3 done; the workbench fixes "
        phase += "formats from here)"
    return Check("schema", True, f"{phase}; {total:,} bitstreams")


def check_assetstores(settings: Settings) -> Iterator[Check]:
    try:
        stores = settings.assetstore_dirs()
    except BsfError as exc:
        yield Check("asset stores", False, str(exc), "correct the assetstore.dir.N keys")
        return
    for number, folder in sorted(stores.items()):
        name = f"asset store {number}"
        key = "assetstore.dir" if number == 0 else f"assetstore.dir.{number}"
        if not folder.exists():
            yield Check(name, False, f"{folder} does not exist",
                        f"correct {key} (or --assetstore DIR), or mount the store")
        elif not folder.is_dir():
            yield Check(name, False, f"{folder} is not a folder", f"correct {key}")
        elif not os.access(folder, os.R_OK | os.X_OK):
            yield Check(name, False, f"{folder} is not readable by this user",
                        f"give this user read access to {folder} (and its subfolders)")
        else:
            try:
                with os.scandir(folder) as entries:
                    next(entries, None)
            except OSError as exc:
                yield Check(name, False, f"{folder}: {exc.strerror or exc}",
                            f"give this user read access to {folder}")
                continue
            yield Check(name, True, f"{folder} is readable")


def check_signatures(formats: FormatConfig) -> Iterator[Check]:
    """The DROID signature and container files the PRONOM registry and identifier use."""
    if "PRONOM" not in formats.registries:
        yield Check("signatures", True, "PRONOM is not configured: no DROID files needed")
        return
    from registries.pronom import (
        default_container_file,
        default_signature_file,
        load_container_file,
        load_signature_file,
    )

    fix = ("install the default PRONOM data (pip install opf-fido) or set "
           "formatIdentifier.DROID.signatureFile / containerSignatureFile to readable files")
    try:
        path = formats.droid_signature_file or default_signature_file()
        sigfile = load_signature_file(path)
        yield Check("DROID signatures", True,
                    f"{sigfile.label} of {sigfile.date or 'unknown date'}: "
                    f"{len(sigfile.formats):,} formats, {len(sigfile.signatures):,} signatures "
                    f"({path})")
    except BsfError as exc:
        yield Check("DROID signatures", False, str(exc), fix)
    try:
        path = formats.droid_container_file or default_container_file()
        containers = load_container_file(path)
        yield Check("container signatures", True,
                    f"version {containers.version or 'unknown'}: "
                    f"{len(containers.signatures):,} container signatures ({path})")
    except BsfError as exc:
        yield Check("container signatures", False, str(exc), fix)


def check_libmagic(formats: FormatConfig | None,
                   opener: Callable[[], object] | None = None) -> Check:
    """libmagic, which the DSpace identifier needs to confirm an extension by content."""
    from formats.identifiers.dspace import open_magic

    needed = formats is not None and formats.has_identifier("DSpace")
    try:
        (opener or open_magic)()
    except BsfError as exc:
        if not needed:
            return Check("libmagic", True, "not available; the configured identifiers do not "
                         "need it (only the DSpace identifier does)")
        return Check("libmagic", False, str(exc), "install libmagic (Debian/Ubuntu: apt-get "
                     "install libmagic1) and the python-magic package")
    return Check("libmagic", True, "loads" + (" (the DSpace identifier uses it)" if needed
                                              else ""))


def check_lock(engine: Engine) -> Check:
    """Free when no upgrade step (or workbench write) holds the archive lock right now."""
    try:
        with archive_lock(engine, "doctor"):
            pass
    except BsfError as exc:
        return Check("archive lock", False, str(exc), "wait for that run to finish (or stop "
                     "it); a killed run releases the lock by itself")
    return Check("archive lock", True, "free")


def check_disk(folder: Path, bitstreams: int | None) -> Check:
    """Free space where the reports are written, against what reports of this archive take."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        return Check("disk space", False, f"{folder}: {exc.strerror or exc}",
                     "write the reports to an existing folder (bsf report -o FILE)")
    need = max(REPORT_BYTES_MINIMUM, (bitstreams or 0) * REPORT_BYTES_PER_BITSTREAM)
    detail = f"{_size(free)} free in {folder}; reports need about {_size(need)}"
    if free < need:
        return Check("disk space", False, detail, f"free at least {_size(need - free)} there, "
                     "or write the reports elsewhere (bsf report -o FILE)")
    return Check("disk space", True, detail)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{n} bytes"  # pragma: no cover - the loop always returns


def _bitstreams(engine: Engine) -> int | None:
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(T15.bitstream))
                       .scalar_one())
    except SQLAlchemyError:
        return None


def run_checks(load: Callable[[], Settings], *, report_dir: Path) -> DoctorReport:
    """Every check, in the order an operator fixes things."""
    report = DoctorReport()
    config_check, settings, formats = check_configuration(load)
    report.checks.append(config_check)
    engine = None
    if settings is not None:
        db_check, engine = check_database(settings)
        report.checks.append(db_check)
        if engine is not None:
            report.checks.append(check_schema(engine))
        report.checks.extend(check_assetstores(settings))
    if formats is not None:
        report.checks.extend(check_signatures(formats))
    report.checks.append(check_libmagic(formats))
    if engine is not None:
        report.checks.append(check_lock(engine))
    report.checks.append(check_disk(report_dir, _bitstreams(engine) if engine else None))
    if engine is not None:
        engine.dispose()
    return report
