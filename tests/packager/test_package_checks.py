"""Handles from a package are data, and every value must fit its column, on both databases:
one PackageError line naming the element, and nothing written (rows, asset files)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bsf.main import main
from bsfcore.errors import PackageError
from packager.ingest import ingest_aip
from packager.options import Mode
from packager.package_checks import handle_problem
from tests.packager.builder import ADMIN
from tests.packager.ingest_helpers import export_site, snapshot

HOSTILE_HANDLE = "123456789/../../../../tmp/hostile-handle"


def _with_mets(src: Path, dest: Path, old: str, new: str) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "mets.xml":
                text = data.decode("utf-8")
                assert old in text, old
                data = text.replace(old, new).encode("utf-8")
            zout.writestr(info.filename, data)
    return dest


@pytest.fixture
def aip(site):  # type: ignore[no-untyped-def]
    """An item AIP of the site, a way to submit it, and a check that nothing changed."""
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    item = folder / f"ITEM@{site.built.handles['item0'].replace('/', '-')}.zip"
    state = snapshot(site.engine, site.tmp / "store")

    def submit(path: Path) -> object:
        return ingest_aip(site.engine, site.store, path, mode=Mode.SUBMIT, eperson=ADMIN,
                          parent=site.built.handles["colA"], skip_workflow=True)

    def unchanged() -> bool:
        return snapshot(site.engine, site.tmp / "store") == state

    return site, item, submit, unchanged


@pytest.mark.parametrize("old, new, message", [
    ('OBJID="hdl:123456789/5"', f'OBJID="hdl:{HOSTILE_HANDLE}"', r"mets/@OBJID .* is not a "),
    ('OBJID="hdl:123456789/5"', 'OBJID="hdl:123456789/a/b"', r"mets/@OBJID .* is not a "),
    ('OBJID="hdl:123456789/5"', 'OBJID="hdl:123456789/.."', r"has a dot segment"),
    ('OBJID="hdl:123456789/5"', 'OBJID="hdl:123456789\\5"', r"is not a handle"),
    ('OBJID="hdl:123456789/5"', 'OBJID="hdl:/etc/passwd"', r"is not a handle"),
    ('xlink:href="123456789/3"/>', 'xlink:href="../../3"/>', r"the parent handle .* is not"),
    ("hdl:123456789/4<", "hdl:123456789/4/../x<", r"dc.relation.isReferencedBy"),
])
def test_handles_must_have_the_dspace_syntax(aip, old: str, new: str, message: str) -> None:
    site, item, submit, unchanged = aip
    bad = _with_mets(item, site.tmp / "bad.zip", old, new)
    with pytest.raises(PackageError, match=message):
        submit(bad)
    assert unchanged()


@pytest.mark.parametrize("old, new, message", [
    ('USE="ORIGINAL"', f'USE="{"X" * 40}"', r"fileGrp @USE is 40 characters long, longer than "
                                            r"bundle.name allows \(16\)"),
    ('OBJID="hdl:123456789/5"', f'OBJID="hdl:123456789/{"9" * 300}"',
     r"mets/@OBJID is 310 characters long, longer than handle.handle allows \(256\)"),
    ('element="title" lang="en">Item 0', f'element="title" lang="{"x" * 30}">Item 0',
     r"dim:field dc.title @lang is 30 characters .* metadatavalue.text_lang allows \(24\)"),
    ('element="title">file0.pdf<', f'element="title">{"n" * 300}.pdf<',
     r"file bitstream_\d+ name .* bitstream.name allows \(256\)"),
    ('qualifier="extension">pdf<', f'qualifier="extension">{"p" * 20}<',
     r"bsf.format.extension is 20 characters .* fileextension.extension allows \(16\)"),
])
def test_values_longer_than_their_column(aip, old: str, new: str, message: str) -> None:
    site, item, submit, unchanged = aip
    bad = _with_mets(item, site.tmp / "long.zip", old, new)
    with pytest.raises(PackageError, match=message):
        submit(bad)
    assert unchanged()


def test_the_cli_prints_one_line(lite_site, capsys: pytest.CaptureFixture[str]) -> None:
    site = lite_site
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    item = folder / f"ITEM@{site.built.handles['item0'].replace('/', '-')}.zip"
    bad = _with_mets(item, site.tmp / "bad.zip", 'OBJID="hdl:123456789/5"',
                     f'OBJID="hdl:{HOSTILE_HANDLE}"')
    state = snapshot(site.engine, site.tmp / "store")
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(site.engine.url), "--assetstore", str(site.tmp / "store"),
              "packager", "-s", "-w", "-t", "AIP", "-e", ADMIN, "-p",
              site.built.handles["colA"], str(bad)])
    assert exited.value.code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: bad.zip: mets/@OBJID ")
    assert snapshot(site.engine, site.tmp / "store") == state


@pytest.mark.parametrize("handle", ["123456789/5", "10.1000/abc-1.2_x~", "20.500.12345/7"])
def test_real_handles_pass(handle: str) -> None:
    assert handle_problem(handle) is None


@pytest.mark.parametrize("handle", ["123456789", "123456789/", "/5", "a/b/c", "1/.", "1/..",
                                    "1/a b", "1/a\x00", "../1", "1/a\\b", ""])
def test_malformed_handles_are_named(handle: str) -> None:
    assert handle_problem(handle) is not None
