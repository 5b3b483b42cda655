"""``bsf signatures show / update`` against a local HTTP server started by the test.

The server (http.server on 127.0.0.1, in a thread) serves a folder the test fills: a newer DROID
signature file, a container signature file, PRONOM-style release notes, a broken file. The user
data folder is a temporary one (``BSF_DATA_DIR``); nothing is ever written into the package.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bsfcore.settings import load_settings
from formats.signatures import check_pair
from registries.packaged import packaged_formats_dir
from registries.pronom import default_container_file, default_signature_file
from registries.pronom.datafiles import installed_dir, read_installed
from registries.pronom.inuse import signature_files_in_use
from registries.pronom.update import SignatureUpdateError, update_signatures
from tests.signatures.sigbuild import Fmt, Seq, Sub, signature_xml

runner = CliRunner()
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<ContainerSignatureMapping schemaVersion="1.0" signatureVersion="{version}">
  <ContainerSignatures>
    <ContainerSignature Id="1030" ContainerType="ZIP"><Description>OOXML</Description>
      <Files><File><Path>[Content_Types].xml</Path></File></Files></ContainerSignature>
  </ContainerSignatures>
  <FileFormatMappings><FileFormatMapping signatureId="1030" Puid="fmt/189"/></FileFormatMappings>
  <TriggerPuids><TriggerPuid ContainerType="ZIP" Puid="x-fmt/263"/></TriggerPuids>
</ContainerSignatureMapping>
"""
FORMATS = [Fmt(1, "x-fmt/263", "ZIP Format", {200: [Seq("BOFoffset", [Sub("'PK' 03 04")])]},
               extensions=["zip"]),
           Fmt(2, "fmt/189", "Office Open XML", extensions=["docx"], priority_over=[1])]


def droid_xml(version: int) -> str:
    return signature_xml(FORMATS, version=version)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, served folder) of a server that lives as long as the test."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("BSF_DATA_DIR", str(folder))
    monkeypatch.setenv("BSF_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def settings(tmp_path: Path, base: str | None = None):  # type: ignore[no-untyped-def]
    if base is None:
        return load_settings(None, environ={})
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"formatIdentifier.DROID.updateSignatureURL = {base}release-notes.xml\n"
                   f"formatIdentifier.DROID.updateDocumentsURL = {base}documents/\n"
                   f"formatIdentifier.DROID.updateContainerURL = {base}container-signature.xml\n")
    return load_settings(cfg, environ={})


def test_show_names_the_shipped_pair(data_dir: Path) -> None:
    info = signature_files_in_use(load_settings(None, environ={}))
    assert info.signature.path == packaged_formats_dir() / "DROID_SignatureFile_V122.xml"
    assert (info.signature.version, info.signature.label) == ("122", "V122")
    assert info.signature.date == "2026-01-19T10:53:18"
    assert info.signature.counts == (2544, 2242) and info.signature.origin == "shipped"
    assert info.container.version == "40" and info.container.date == "20260119"
    assert info.names == "DROID_SignatureFile_V122.xml; container-signature-20260119.xml"
    cheap = signature_files_in_use(load_settings(None, environ={}), counts=False)
    assert cheap.signature.counts is None and cheap.names == info.names


def test_update_from_the_default_locations(site: tuple[str, Path], data_dir: Path,
                                           tmp_path: Path) -> None:
    base, served = site
    (served / "documents").mkdir()
    (served / "documents" / "DROID_SignatureFile_V124.xml").write_text(droid_xml(124))
    (served / "release-notes.xml").write_text(
        "<?xml version='1.0'?><release_notes><release_note><release_date>1st May 2026"
        "</release_date><signature_filename>DROID_SignatureFile_V124.xml"
        "</signature_filename></release_note><release_note><signature_filename>"
        "DROID_SignatureFile_V123.xml</signature_filename></release_note></release_notes>")
    (served / "container-signature.xml").write_text(CONTAINER.format(version=41))
    result = update_signatures(settings(tmp_path, base), check=check_pair)
    assert result.before.signature.label == "V122" and result.after.signature.label == "V124"
    assert result.after.container.version == "41"
    assert {p.parent for p in result.installed} == {installed_dir()}
    assert installed_dir().is_relative_to(data_dir)
    assert default_signature_file() == installed_dir() / "DROID_SignatureFile_V124.xml"
    assert default_container_file().name.startswith("container-signature-")
    assert (packaged_formats_dir() / "DROID_SignatureFile_V122.xml").is_file()   # package untouched
    again = update_signatures(settings(tmp_path, base), check=check_pair)
    assert again.installed == [] and len(again.notes) == 2                 # nothing newer


def test_update_from_files_keeps_the_previous_pair(data_dir: Path, tmp_path: Path) -> None:
    first = tmp_path / "DROID_SignatureFile_V123.xml"
    first.write_text(droid_xml(123))
    update_signatures(settings(tmp_path), [str(first)], check=check_pair)
    second = tmp_path / "any-name.xml"
    second.write_text(droid_xml(125))
    container = tmp_path / "container-signature-20990101.xml"
    container.write_text(CONTAINER.format(version=99))
    result = update_signatures(settings(tmp_path), [str(second), str(container)],
                               check=check_pair)
    assert [p.name for p in result.installed] == ["DROID_SignatureFile_V125.xml",
                                                  "container-signature-20990101.xml"]
    record = read_installed()
    assert record is not None and record.previous_signature is not None
    assert record.previous_signature.name == "DROID_SignatureFile_V123.xml"
    assert record.previous_signature.is_file()                   # the previous pair is kept


def test_a_broken_file_changes_nothing(site: tuple[str, Path], data_dir: Path,
                                       tmp_path: Path) -> None:
    base, served = site
    (served / "broken.xml").write_text("<html><body>Service unavailable</body></html>")
    (served / "truncated.xml").write_text(droid_xml(130)[:-200])
    (served / "hostile.xml").write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                                        '"file:///etc/passwd">]><FFSignatureFile>&e;'
                                        "</FFSignatureFile>")
    bad_pattern = droid_xml(131).replace("'PK' 03 04", "'PK' 03 0")
    (served / "badpattern.xml").write_text(bad_pattern)
    before = default_signature_file()
    for name, message in (("broken.xml", "neither a DROID signature file"),
                          ("truncated.xml", "not a signature file"),
                          ("hostile.xml", "not a signature file"),
                          ("badpattern.xml", "do not compile")):
        with pytest.raises(SignatureUpdateError, match=message):
            update_signatures(settings(tmp_path), [base + name], check=check_pair)
        assert default_signature_file() == before
    assert not installed_dir().exists() or not [
        p for p in installed_dir().iterdir() if p.suffix == ".xml"]


def test_an_unreachable_server_is_one_clear_error(data_dir: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:           # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SignatureUpdateError, match=r"cannot download http://127\.0\.0\.1"):
        update_signatures(settings(tmp_path), [f"http://127.0.0.1:{port}/x.xml"], timeout=5)
    with pytest.raises(SignatureUpdateError, match="only http and https"):
        update_signatures(settings(tmp_path), ["ftp://127.0.0.1/x.xml"])
    assert default_signature_file().parent == packaged_formats_dir()


def test_cli_show_and_update(site: tuple[str, Path], data_dir: Path, tmp_path: Path) -> None:
    from bsf.main import app

    base, served = site
    (served / "DROID_SignatureFile_V123.xml").write_text(droid_xml(123))
    shown = runner.invoke(app, ["signatures", "show"])
    assert shown.exit_code == 0, shown.output
    assert "DROID_SignatureFile_V122.xml (V122, 2026-01-19T10:53:18; 2544 formats" in shown.stdout
    done = runner.invoke(app, ["signatures", "update", "--from",
                               base + "DROID_SignatureFile_V123.xml"])
    assert done.exit_code == 0, done.output
    assert "DROID signature file: V122 (DROID_SignatureFile_V122.xml) -> V123" in done.output
    assert "container signature file: version 40" in done.output and "unchanged" in done.output
    failed = runner.invoke(app, ["signatures", "update", "--from", base + "missing.xml"])
    assert failed.exit_code != 0 and "HTTP 404" in str(failed.exception)
