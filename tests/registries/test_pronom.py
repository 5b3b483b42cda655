"""PRONOM registry: the shipped V122 pair by default, user-installed pairs, container files,
cache, safety."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bsfcore.errors import RegistryError, UnsafeInputError
from registries.model import FormatKey
from registries.pronom import cache as cache_mod
from registries.pronom import (
    default_container_file,
    default_signature_file,
    load_container_file,
    load_pronom_registry,
    load_signature_file,
)
from registries.pronom.parse import parse_container_file, parse_signature_file

NS = "{http://www.nationalarchives.gov.uk/pronom/SignatureFile}"


def plain_counts(path: Path) -> tuple[int, int, int]:
    """Formats, internal signatures and priority links, counted without our parser."""
    root = ET.parse(path).getroot()
    formats = {f.get("PUID") for f in root.iter(f"{NS}FileFormat")}
    sigs = len(list(root.iter(f"{NS}InternalSignature")))
    prios = len(list(root.iter(f"{NS}HasPriorityOverFileFormatID")))
    return len(formats), sigs, prios


def check_counts(path: Path, version: str) -> None:
    n_formats, n_sigs, n_prios = plain_counts(path)
    parsed = load_signature_file(path)
    assert parsed.label == version
    assert len(parsed.formats) == n_formats
    assert len(parsed.signatures) == n_sigs
    assert sum(len(v) for v in parsed.priorities().values()) == n_prios
    registry = load_pronom_registry(path)
    assert registry.namespace == "PRONOM" and registry.version == version
    assert len(registry) >= n_formats


def test_default_is_the_shipped_v122_pair() -> None:
    from registries.packaged import packaged_formats_dir

    assert default_signature_file() == packaged_formats_dir() / "DROID_SignatureFile_V122.xml"
    assert default_container_file() == packaged_formats_dir() / "container-signature-20260119.xml"
    notice = (packaged_formats_dir() / "PRONOM-NOTICE.txt").read_text()
    assert notice.count("Open Government Licence")
    check_counts(default_signature_file(), "V122")
    registry = load_pronom_registry()
    assert registry.version == "V122" and registry.container_version == "40"
    pdf = registry.get(FormatKey("PRONOM", "fmt/18"))
    assert pdf is not None and pdf.name == "Acrobat PDF 1.4 - Portable Document Format"
    assert pdf.version == "1.4" and "pdf" in pdf.extensions
    assert pdf.mime_type == "application/pdf"
    assert FormatKey("PRONOM", "fmt/96") in registry
    assert {f.key.identifier for f in registry.by_extension("htm")} >= {"fmt/96", "fmt/100"}
    # which formats can only ever be named by their extension
    assert registry.has_signature(FormatKey("PRONOM", "fmt/18"))
    assert registry.has_signature(FormatKey("PRONOM", "fmt/412"))       # container only
    assert not registry.has_signature(FormatKey("PRONOM", "fmt/938"))   # Python source
    assert not registry.has_signature(FormatKey("DSpace", "fmt/18"))


def test_an_installed_newer_pair_is_the_default(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from registries.packaged import packaged_formats_dir
    from registries.pronom.datafiles import Installed, installed_dir, write_installed

    monkeypatch.setenv("BSF_DATA_DIR", str(tmp_path / "data"))
    folder = installed_dir()
    folder.mkdir(parents=True)
    text = default_signature_file().read_text()
    newer = folder / "DROID_SignatureFile_V123.xml"
    newer.write_text(text.replace('Version="122"', 'Version="123"', 1))
    older = folder / "container-signature-20200101.xml"
    older.write_bytes(default_container_file().read_bytes())
    write_installed(Installed(newer, older))
    assert default_signature_file() == newer
    assert default_container_file() == packaged_formats_dir() / "container-signature-20260119.xml"
    assert load_pronom_registry().version == "V123"
    (folder / "installed.json").write_text("{not json")
    assert default_signature_file().name == "DROID_SignatureFile_V122.xml"  # damaged: ignored


def test_container_files(shared_dir: Path) -> None:
    for path in (default_container_file(), shared_dir / "pronom" /
                 "container-signature-20240501.xml"):
        root = ET.parse(path).getroot()
        parsed = load_container_file(path)
        assert len(parsed.signatures) == len(list(root.iter("ContainerSignature")))
        assert sum(len(p) for p in parsed.mappings.values()) == \
            len(list(root.iter("FileFormatMapping")))
        assert parsed.triggers["fmt/111"] == "OLE2" and parsed.triggers["x-fmt/263"] == "ZIP"
    word = load_container_file(path).signatures[1020]
    assert word.container_type == "OLE2"
    assert [f.path for f in word.files] == ["WordDocument", "CompObj"]
    assert "'Word.Document.8'" in word.files[1].signatures[0].sequences[0].subsequences[0].sequence


def test_parsed_subsequence_details(shared_dir: Path) -> None:
    sig = load_signature_file(shared_dir / "pronom" / "DROID_SignatureFile_V118.xml")
    rtf = sig.signatures[26].sequences[0].subsequences[0]
    assert rtf.sequence == "5C616E7369637067" and rtf.max_offset == 0
    assert {f.pattern for f in rtf.left if f.position == 1} == {"616E7369", "6D6163", "7063",
                                                                "706361"}
    gif = sig.signatures[17].sequences
    assert [s.reference for s in gif] == ["BOF", "EOF"] and gif[1].subsequences[0].max_offset == 4


def test_cache_round_trip_and_corrupt_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            shared_dir: Path) -> None:
    monkeypatch.setenv("BSF_CACHE_DIR", str(tmp_path / "c"))
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    assert cache_mod.cached("kind", "abc", build) == {"n": 1}
    assert cache_mod.cached("kind", "abc", build) == {"n": 1}  # from disk
    files = list((tmp_path / "c").glob("kind-*abc.pickle"))
    assert len(files) == 1
    files[0].write_bytes(b"\x80\x04garbage")
    assert cache_mod.cached("kind", "abc", build) == {"n": 2}  # rebuilt, not an error
    assert cache_mod.cached("kind", "abc", build) == {"n": 2}


def test_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BSF_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.cache_dir() == tmp_path / "xdg" / "bsf"
    monkeypatch.setenv("BSF_CACHE_DIR", str(tmp_path / "own"))
    assert cache_mod.cache_dir() == tmp_path / "own"


def test_unwritable_cache_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BSF_CACHE_DIR", str(blocker / "sub"))
    assert cache_mod.cached("kind", "x", lambda: 42) == 42


def test_hostile_signature_files_are_refused(tmp_path: Path) -> None:
    xxe = tmp_path / "xxe.xml"
    xxe.write_text('<?xml version="1.0"?>\n<!DOCTYPE FFSignatureFile [<!ENTITY x SYSTEM '
                   '"file:///etc/passwd">]>\n<FFSignatureFile Version="1">&x;</FFSignatureFile>')
    with pytest.raises(UnsafeInputError):
        parse_signature_file(xxe)
    lol = tmp_path / "lol.xml"
    lol.write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                   "<ContainerSignatureMapping>&b;</ContainerSignatureMapping>")
    with pytest.raises(UnsafeInputError):
        parse_container_file(lol)


def test_malformed_files_report_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?>\n<FFSignatureFile Version="1">\n<Oops>\n'
                   "</FFSignatureFile>\n")
    with pytest.raises(RegistryError) as err:
        parse_signature_file(bad)
    assert "bad.xml:4" in str(err.value)
    wrong = tmp_path / "wrong.xml"
    wrong.write_text("<Something/>")
    with pytest.raises(RegistryError, match="not a DROID signature file"):
        parse_signature_file(wrong)
    missing = tmp_path / "dangling.xml"
    missing.write_text('<FFSignatureFile Version="2"><FileFormatCollection><FileFormat ID="1" '
                       'PUID="fmt/1" Name="x"><InternalSignatureID>99</InternalSignatureID>'
                       "</FileFormat></FileFormatCollection></FFSignatureFile>")
    with pytest.raises(RegistryError, match="missing InternalSignature 99"):
        parse_signature_file(missing)
    with pytest.raises(RegistryError, match="not found"):
        load_signature_file(tmp_path / "nope.xml")


def test_old_layout_without_namespace_or_specificity(tmp_path: Path) -> None:
    old = tmp_path / "v13.xml"
    old.write_text(
        '<FFSignatureFile Version="13" DateCreated="2007-01-01">'
        "<InternalSignatureCollection><InternalSignature ID=\"2\">"
        '<ByteSequence Reference="IndirectBOFoffset"><SubSequence Position="1" '
        'SubSeqMinOffset="0"><Sequence>474946</Sequence></SubSequence></ByteSequence>'
        "</InternalSignature></InternalSignatureCollection><FileFormatCollection>"
        '<FileFormat ID="3" PUID="fmt/3" Name="GIF" Version="87a">'
        "<InternalSignatureID>2</InternalSignatureID><Extension>GIF</Extension></FileFormat>"
        "</FileFormatCollection></FFSignatureFile>")
    parsed = parse_signature_file(old)
    assert parsed.label == "V13" and parsed.formats["fmt/3"].extensions == ("gif",)
    assert parsed.signatures[2].sequences[0].reference == "VAR"
    assert not parsed.signatures[2].generic


def test_descriptions_come_from_configured_pronom_records(tmp_path: Path) -> None:
    import zipfile

    from bsfcore.settings import load_settings
    from registries.loader import load_configured_registries

    assert load_pronom_registry().get(FormatKey("PRONOM", "fmt/18")).description is None
    pronom = tmp_path / "PRONOM"
    pronom.mkdir()
    with zipfile.ZipFile(pronom / "pronom-xml-v118.zip", "w") as zf:
        zf.writestr("puid.fmt.18.xml", '<?xml version="1.0"?><PRONOM-Report xmlns="http://'
                    'pronom.nationalarchives.gov.uk"><FormatDescription>Portable Document '
                    "Format 1.4</FormatDescription></PRONOM-Report>")
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"formatRegistry.PRONOM.dir = {pronom}\n")
    config, registries = load_configured_registries(load_settings(cfg))
    assert config.pronom_records == pronom / "pronom-xml-v118.zip"
    assert config.droid_signature_file is None  # no signature file there: the default one
    pdf = registries.get(FormatKey("PRONOM", "fmt/18"))
    assert pdf is not None and pdf.description == "Portable Document Format 1.4"


def test_records_from_a_directory_and_a_hostile_zip(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from registries.pronom import records
    from registries.pronom.records import parse_records

    record = ('<?xml version="1.0"?><PRONOM-Report xmlns="http://pronom.nationalarchives.gov.uk">'
              "<report_format_detail><FileFormat><FormatDescription>  A  test format. "
              "</FormatDescription></FileFormat></report_format_detail></PRONOM-Report>")
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "puid.fmt.7.xml").write_text(record)
    (folder / "notes.txt").write_text("ignored")
    assert parse_records(folder) == {"fmt/7": "A test format."}
    archive = tmp_path / "r.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("puid.x-fmt.3.xml", record)
        zf.writestr("../../escape.xml", record)  # not a record name: never read
    assert parse_records(archive) == {"x-fmt/3": "A test format."}
    hostile = tmp_path / "h.zip"
    with zipfile.ZipFile(hostile, "w") as zf:
        zf.writestr("puid.fmt.9.xml", '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    with pytest.raises(UnsafeInputError):
        parse_records(hostile)
    monkeypatch.setattr(records, "MAX_TOTAL", 3000)  # the real cap is 256 MiB
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"puid.fmt.{i}.xml", b"\0" * 2000)
    with pytest.raises(UnsafeInputError):
        parse_records(bomb)
