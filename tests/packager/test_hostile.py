"""Hostile packages are refused with a clear error and nothing written (database + store)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bsfcore.errors import ConfigError, PackageError, UnsafeInputError
from bsfcore.settings import load_settings
from packager.ingest import ingest_aip
from packager.options import Mode
from packager.safezip import ZipLimits
from tests.packager.builder import ADMIN
from tests.packager.ingest_helpers import export_site, snapshot


def _rewrite(src: Path, dest: Path, replace: dict[str, bytes] | None = None,
             extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = (replace or {}).get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return dest


@pytest.fixture
def hostile(lite_site):
    site = lite_site
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    item = folder / f"ITEM@{site.built.handles['item0'].replace('/', '-')}.zip"
    state = snapshot(site.engine, site.tmp / "store")

    def submit(path: Path, **kwargs: object):
        return ingest_aip(site.engine, site.store, path, mode=Mode.SUBMIT, eperson=ADMIN,
                          parent=site.built.handles["colA"], skip_workflow=True, **kwargs)

    def unchanged() -> bool:
        return snapshot(site.engine, site.tmp / "store") == state

    return site, item, submit, unchanged


@pytest.mark.parametrize("name, message", [
    ("../evil.txt", "zip-slip"), ("/etc/passwd", "absolute path"),
    ("C:/windows/evil", "absolute path"), ("sub/dir.txt", "not a plain file name"),
])
def test_bad_entry_names(hostile, name: str, message: str) -> None:
    site, item, submit, unchanged = hostile
    bad = _rewrite(item, site.tmp / "bad.zip", extra={name: b"x"})
    with pytest.raises(UnsafeInputError, match=message):
        submit(bad)
    assert unchanged()


def test_zip_bombs(hostile) -> None:
    site, item, submit, unchanged = hostile
    bomb = _rewrite(item, site.tmp / "bomb.zip", extra={"bomb.bin": b"\0" * (8 << 20)})
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        submit(bomb, limits=ZipLimits(max_ratio=100))
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        submit(item, limits=ZipLimits(max_total_bytes=100))
    config = site.tmp / "limits.cfg"
    config.write_text("packager.zip.maxRatio = 100\n")
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        submit(bomb, settings=load_settings(config))
    config.write_text("packager.zip.maxRatio = lots\n")
    with pytest.raises(ConfigError, match="positive integer"):
        submit(bomb, settings=load_settings(config))
    assert unchanged()


def test_truncated_zip(hostile) -> None:
    site, item, submit, unchanged = hostile
    data = item.read_bytes()
    cut = site.tmp / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(PackageError, match="truncated or corrupt"):
        submit(cut)
    assert unchanged()


def test_xxe_and_entity_expansion(hostile) -> None:
    site, item, submit, unchanged = hostile
    with zipfile.ZipFile(item) as z:
        mets = z.read("mets.xml").decode()
    body = mets.split("?>", 1)[1]
    for doctype in ('<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                    '<!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'):
        bad = _rewrite(item, site.tmp / "xxe.zip",
                       replace={"mets.xml": ("<?xml version='1.0'?>" + doctype + body).encode()})
        with pytest.raises(UnsafeInputError, match="DOCTYPE"):
            submit(bad)
    assert unchanged()


def test_flocat_outside_the_zip(hostile) -> None:
    site, item, submit, unchanged = hostile
    with zipfile.ZipFile(item) as z:
        mets = z.read("mets.xml").decode()
        entry = next(n for n in z.namelist() if n.endswith(".pdf"))
    bad = _rewrite(item, site.tmp / "flocat.zip",
                   replace={"mets.xml": mets.replace(f'"{entry}"', '"../../etc/passwd"').encode()})
    with pytest.raises(PackageError, match="points outside the package"):
        submit(bad)
    assert unchanged()


def test_checksum_and_size_mismatch(hostile) -> None:
    site, item, submit, unchanged = hostile
    with zipfile.ZipFile(item) as z:
        entry = next(n for n in z.namelist() if n.endswith(".pdf"))
        data = z.read(entry)
    tampered = _rewrite(item, site.tmp / "sum.zip",
                        replace={entry: data[:-1] + bytes([data[-1] ^ 1])})
    with pytest.raises(PackageError, match="checksum mismatch"):
        submit(tampered)
    assert unchanged()
    shorter = _rewrite(item, site.tmp / "size.zip", replace={entry: data[:-1]})
    with pytest.raises(PackageError, match="SIZE says"):
        submit(shorter)
    assert unchanged()


def test_not_an_aip(hostile) -> None:
    site, item, submit, unchanged = hostile
    with zipfile.ZipFile(item) as z:
        mets = z.read("mets.xml").decode()
    for replacement, message in ((mets.replace("mets_aip_1_0.xsd", "other.xsd"), "PROFILE"),
                                 ("<not-closed>", "not well-formed")):
        bad = _rewrite(item, site.tmp / "p.zip", replace={"mets.xml": replacement.encode()})
        with pytest.raises(PackageError, match=message):
            submit(bad)
    empty = site.tmp / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "no manifest")
    with pytest.raises(PackageError, match=r"no mets\.xml"):
        submit(empty)
    assert unchanged()


def test_failed_force_replace_keeps_the_old_objects_and_files(lite_site) -> None:
    """-r -f -a over a collection whose last item package is damaged: the items replaced
    before the damage are back as they were, old asset files included."""
    site = lite_site
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    col = folder / f"COLLECTION@{site.built.handles['colB'].replace('/', '-')}.zip"
    last = folder / f"ITEM@{site.built.handles['item1'].replace('/', '-')}.zip"
    with zipfile.ZipFile(last) as z:
        entry = next(n for n in z.namelist() if n.endswith(".pdf"))
        data = z.read(entry)
    damaged = _rewrite(last, site.tmp / "damaged.zip",
                       replace={entry: data[:-1] + bytes([data[-1] ^ 1])})
    damaged.replace(last)
    state = snapshot(site.engine, site.tmp / "store")
    with pytest.raises(PackageError, match="checksum mismatch"):
        ingest_aip(site.engine, site.store, col, mode=Mode.REPLACE, recursive=True,
                   eperson=ADMIN, options=["skipIfParentMissing=true"])
    assert snapshot(site.engine, site.tmp / "store") == state


def test_entry_lying_about_its_size(tmp_path) -> None:
    """Central directory says 100 bytes, the data inflates to 10 MiB: reading stops."""
    import io
    import struct

    from packager.safezip import Package

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mets.xml", "<x/>")
        z.writestr("big.bin", b"\0" * (10 << 20))
    data = bytearray(buf.getvalue())
    for signature, name_at, size_at, header in ((b"PK\x01\x02", 28, 24, 46),
                                                 (b"PK\x03\x04", 26, 22, 30)):
        i = data.find(signature)
        while i >= 0:
            length = struct.unpack_from("<H", data, i + name_at)[0]
            if bytes(data[i + header:i + header + length]) == b"big.bin":
                struct.pack_into("<I", data, i + size_at, 100)
            i = data.find(signature, i + 4)
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bytes(data))
    with Package(liar) as pkg, pytest.raises((PackageError, UnsafeInputError),
                                             match=r"corrupt|zip bomb"), \
            pkg.open_entry("big.bin") as fh:
        while fh.read(1 << 20):
            pass
