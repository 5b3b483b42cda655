"""The whole Upgrade15To16 sequence on SQLite and PostgreSQL, with reruns and refusals."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, insert, inspect, select, text

from archive.schema import T16
from bsfcore.errors import StepError
from registries.dsr import load_registry_document
from registries.model import RegistrySet
from tests.upgrade.helpers import PRONOM, UPGRADABLE, build_archive
from upgrade.runner import run_step
from upgrade.scope import count_unconverted


def _run(arch, key, **kw):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    logs: list[str] = []
    summary = run_step(key, arch.context(out=out, log=logs.append, **kw))
    return summary, out.getvalue(), logs


def _formats(engine):  # type: ignore[no-untyped-def]
    bs, ext = T16.bitstream, T16.externalidentifier
    with engine.connect() as conn:
        rows = conn.execute(select(bs.c.bitstream_id, ext.c.namespace, ext.c.identifier,
                                   bs.c.format_confidence, bs.c.format_source)
                            .select_from(bs.outerjoin(ext, (ext.c.bitstream_format_id
                                                            == bs.c.bitstream_format_id)
                                                      & ext.c.canonical))).all()
    return {r.bitstream_id: r for r in rows}


def test_whole_sequence(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", missing=True)
    ids = arch.ids

    # cleanup -c -n reports but keeps; cleanup -c marks deleted
    s, out, logs = _run(arch, "cleanup", dry_run=True)
    assert out.splitlines() == ["Checking for missing/unreadable files in asset store",
                                "Found 1 missing/unreadable files in asset store."]
    assert any(f"Bitstream id={ids['missing']} has missing or unreadable asset file" in x
               for x in logs)
    s, out, logs = _run(arch, "cleanup")
    assert s.counts["marked_deleted"] == 1
    s, out, logs = _run(arch, "cleanup")
    assert out.splitlines()[-1] == "Found 0 missing/unreadable files in asset store."

    # phase 0, and its refusal to run twice
    s, out, _ = _run(arch, "phase0")
    assert "Phase 0 finished" in out
    insp = inspect(engine)
    cols = {c["name"] for c in insp.get_columns("bitstream")}
    assert {"format_confidence", "format_source", "format_basis", "format_warning"} <= cols
    assert {"externalidentifier", "bsf15_bitstreamformat", "bsf15_fileextension",
            "bsf15_bitstreamformatregistry"} <= set(insp.get_table_names())
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(T16.bitstream).where(
            T16.bitstream.c.bitstream_format_id.is_not(None))).scalar() == 0
        assert conn.execute(select(func.count()).select_from(
            T16.bsf15_bitstreamformatregistry)).scalar() == 75
        # the renovated registry allows two formats with the same name
        conn.execute(insert(T16.bitstreamformatregistry),
                     [{"short_description": "Same"}, {"short_description": "Same"}])
        conn.execute(T16.bitstreamformatregistry.delete())
    with pytest.raises(StepError, match="refuses to run twice"):
        _run(arch, "phase0")

    # -p: only the local format in use; valid against formats.xsd
    prov_file = tmp_path / "new.xml"
    s, out, _ = _run_provisional(arch, prov_file)
    provisional = load_registry_document(prov_file, "Provisional", validate=True)
    assert [f.name for f in provisional] == ["Gadget Data"]
    gadget = next(iter(provisional))
    assert gadget.extensions == ("gdg",) and gadget.mime_type == "application/x-gadget"
    registries = RegistrySet([PRONOM, provisional])

    # phase 1 (twice: the rerun changes nothing)
    s, out, _ = _run(arch, "phase1", registry_set=registries)
    assert out.splitlines() == [
        "Phase One Summary: Bitstream Formats Converted:",
        f"Out of {len(UPGRADABLE)} upgradable bitstreams in archive,",
        f"Total bitstreams touched = {len(UPGRADABLE)}",
        'Had old "Unknown" format = 2',
        "..of Unknown, touched 1 with UserFormatDescription set.",
        "Translated to DSpace namespace = 0",
        "Translated to Provisional namespace = 2",
    ]
    first = _formats(engine)
    assert first[ids["gadget"]].identifier == "Gadget_Data"
    assert first[ids["ufd"]].format_source.endswith("UserFormatDescription")
    s, out, _ = _run(arch, "phase1", registry_set=registries)
    assert "Translated to Provisional namespace = 0" in out
    assert f"Total bitstreams touched = {len(UPGRADABLE) - 3}" in out
    assert _formats(engine) == first

    # -r
    s, out, _ = _run(arch, "report")
    assert out.splitlines() == [
        f"SUMMARY Total upgradeable Bitstreams = {len(UPGRADABLE)}",
        "SUMMARY Already converted to New BSF = 3",
        f"SUMMARY Not yet converted to New BSF = {len(UPGRADABLE) - 3}",
        "SUMMARY BS with UserFormatDescription = 1",
    ]

    # phase 2 dry run writes nothing
    s, out, _ = _run(arch, "phase2", registry_set=registries, dry_run=True, verbose=True)
    assert "(dry run: nothing was written)" in out
    assert sum(1 for x in out.splitlines() if x.startswith("would set bitstream")) == 9
    with engine.connect() as conn:
        assert count_unconverted(conn) == 9

    # phase 2
    s, out, _ = _run(arch, "phase2", registry_set=registries, batch_size=4)
    assert out.splitlines() == [
        "Phase Two Summary: Bitstream Formats Guessed:",
        "Total bitstreams touched = 9",
        "Automatically identified = 7",
        'Had old "Unknown" format = 1',
        'Converted to new "Unknown" = 2',
    ]
    after = _formats(engine)
    for label in ("gadget", "ufd", "workspace"):
        assert after[ids[label]] == first[ids[label]]  # never touches converted ones
    assert after[ids["pdf"]].identifier == "fmt/18"
    assert after[ids["pdf"]].format_source == (
        "Upgrade15To16 Phase 2 from org.dspace.content.format.DROIDIdentifier")
    assert after[ids["deleted"]].identifier is None and after[ids["orphan"]].identifier is None
    with engine.connect() as conn:
        assert count_unconverted(conn) == 0

    # rerun of phase 2 touches nothing; phase 1 is now refused
    s, out, _ = _run(arch, "phase2", registry_set=registries)
    assert "Total bitstreams touched = 0" in out
    with pytest.raises(StepError, match="refused after phase 2"):
        _run(arch, "phase1", registry_set=registries)

    # -r -v, analysed with the instructions' awk commands
    s, out, _ = _run(arch, "report", verbose=True)
    report = tmp_path / "report.out"
    report.write_text(out)
    lines = [x for x in out.splitlines() if x.startswith("BITSTREAM")]
    assert len(lines) == len(UPGRADABLE)
    assert lines[0] == (f"BITSTREAM, {ids['pdf']}, paper.pdf, Adobe PDF, Acrobat PDF 1.4, "
                        'POSITIVE_SPECIFIC, "Upgrade15To16 Phase 2 from '
                        'org.dspace.content.format.DROIDIdentifier",')
    if shutil.which("awk"):
        summary = subprocess.run(
            ["sh", "-c", "awk -F, '/^BITSTREAM/ {print $4,\",\",$5,\",\",$6}' < \"$0\" "
             "| sort -u", str(report)], capture_output=True, text=True, check=True).stdout
        assert " Adobe PDF ,  Acrobat PDF 1.4 ,  POSITIVE_SPECIFIC" in summary
        assert " Adobe PDF ,  Unknown ,  UNIDENTIFIED" in summary
        assert all(x.count(",") == 2 for x in summary.splitlines())
        found = subprocess.run(
            ["awk", "-F,", "$4 ~ /Adobe/ && $5 ~ /Unknown/ {print $2}", str(report)],
            capture_output=True, text=True, check=True).stdout.split()
        assert found == [str(ids["exe"])]
        tricky = subprocess.run(
            ["awk", "-F,", "$5 ~ /Acrobat/ {print $2 \"|\" $3}", str(report)],
            capture_output=True, text=True, check=True).stdout
        assert f" {ids['tricky']}| report%2C %22final%22 100%25.pdf" in tricky

    # phase 3; afterwards the report, undo and phase 3 itself are refused
    s, out, _ = _run(arch, "phase3")
    assert out.strip() == "Phase 3 finished, done with BitstreamFormat conversion."
    assert not {"bsf15_bitstreamformat", "bsf15_bitstreamformatregistry"} & set(
        inspect(engine).get_table_names())
    assert _formats(engine)[ids["deleted"]].format_source.startswith("Upgrade15To16 Phase 3")
    for key in ("report", "undo", "phase3", "phase1"):
        with pytest.raises(StepError):
            _run(arch, key, registry_set=registries)


def _run_provisional(arch, path):  # type: ignore[no-untyped-def]
    from upgrade.provisional import Provisional

    return _run(arch, Provisional(path), registry_set=RegistrySet([PRONOM]))


def test_phase3_refused_until_all_converted(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets")
    with pytest.raises(StepError, match="needs phase0 first"):
        _run(arch, "phase3")
    _run(arch, "phase0")
    with pytest.raises(StepError, match="12 upgradable bitstreams are not converted"):
        _run(arch, "phase3")


def test_undo_command_and_documented_sql(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets")
    registries = RegistrySet([PRONOM])
    _run(arch, "phase0")
    _run(arch, "phase1", registry_set=registries)
    _run(arch, "phase2", registry_set=registries)
    converted = _formats(engine)
    s, out, _ = _run(arch, "undo")
    assert s.counts["reset"] == len(UPGRADABLE)
    with engine.connect() as conn:
        assert count_unconverted(conn) == len(UPGRADABLE)
    # back to just before phase 1: phase 1 allowed again, then phase 2 redoes the same
    _run(arch, "phase1", registry_set=registries)
    _run(arch, "phase2", registry_set=registries)
    assert _formats(engine) == converted

    # the instructions' own SQL leaves a state every step understands
    with engine.begin() as conn:
        conn.execute(text("UPDATE Bitstream SET bitstream_format_id = NULL"))
    s, out, _ = _run(arch, "report")
    assert "SUMMARY Already converted to New BSF = 0" in out
    _run(arch, "phase1", registry_set=registries)  # not refused: phase 2's work is gone
    s, out, _ = _run(arch, "phase2", registry_set=registries)
    assert f"Total bitstreams touched = {len(UPGRADABLE) - 1}" in out  # phase 1 took the UFD
    s, out, _ = _run(arch, "report", verbose=True)
    assert '(NONE)' not in out
    assert _formats(engine) == converted


def test_missing_asset_stops_phase2_keeping_earlier_work(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", missing=True, bulk=6)
    _run(arch, "phase0")
    from bsfcore.errors import AssetError

    with pytest.raises(AssetError, match=f"Bitstream id={arch.ids['missing']} "):
        _run(arch, "phase2", batch_size=5)
    with engine.connect() as conn:
        bs = T16.bitstream
        done = conn.execute(select(bs.c.bitstream_id).where(
            bs.c.bitstream_format_id.is_not(None))).scalars().all()
    assert done and max(done) < arch.ids["missing"]
    assert set(done) >= {arch.ids[k] for k in ("pdf", "txt", "jpg")}
    # fix it the instructions' way and continue where it stopped
    _run(arch, "cleanup")
    _s, out, _ = _run(arch, "phase2", batch_size=5)
    with engine.connect() as conn:
        assert count_unconverted(conn) == 0
    assert f"Total bitstreams touched = {len(UPGRADABLE) + 6}" in out


def test_run_sequence_for_the_demo(engine, tmp_path: Path) -> None:
    from upgrade.sequence import run_sequence

    arch = build_archive(engine, tmp_path / "assets", missing=True)
    out = io.StringIO()
    summaries = run_sequence(arch.context(out=out, log=lambda _m: None,
                                          registry_set=RegistrySet([PRONOM])), tmp_path / "w")
    assert [s.step for s in summaries] == ["cleanup", "phase0", "provisional", "phase1",
                                           "phase2", "report", "phase3"]
    text_out = out.getvalue()
    assert "Phase One Summary" in text_out and "Phase Two Summary" in text_out
    assert text_out.rstrip().endswith("Phase 3 finished, done with BitstreamFormat conversion.")
    report = (tmp_path / "w" / "report.out").read_text()
    assert report.count("BITSTREAM, ") == len(UPGRADABLE)
    assert (tmp_path / "w" / "provisional-formats.new.xml").exists()
