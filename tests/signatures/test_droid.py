"""DroidIdentifier: confidences, basis and warning strings, containers (ZIP and OLE2)."""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import pytest

from formats.identifiers.droid import DroidIdentifier
from formats.model import Confidence, Sample
from tests.signatures.sigbuild import Fmt, Seq, Sub, build_ole2, write_signature_file

BOF, EOF = "BOFoffset", "EOFoffset"

CONTAINERS = """<?xml version="1.0" encoding="UTF-8"?>
<ContainerSignatureMapping schemaVersion="1.0" signatureVersion="7">
  <ContainerSignatures>
    <ContainerSignature Id="1020" ContainerType="OLE2">
      <Description>Word 97</Description>
      <Files>
        <File><Path>WordDocument</Path></File>
        <File><Path>CompObj</Path>
          <BinarySignatures><InternalSignatureCollection><InternalSignature ID="300">
            <ByteSequence Reference="BOFoffset">
              <SubSequence Position="1" SubSeqMinOffset="0" SubSeqMaxOffset="64">
                <Sequence>'Word.Document.' ['6'-'8'] 00</Sequence>
              </SubSequence></ByteSequence>
          </InternalSignature></InternalSignatureCollection></BinarySignatures>
        </File>
      </Files>
    </ContainerSignature>
    <ContainerSignature Id="1030" ContainerType="ZIP">
      <Description>OOXML word</Description>
      <Files><File><Path>[Content_Types].xml</Path>
        <BinarySignatures><InternalSignatureCollection><InternalSignature ID="302">
          <ByteSequence Reference="BOFoffset">
            <SubSequence Position="1" SubSeqMinOffset="0" SubSeqMaxOffset="4096">
              <Sequence>'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"'</Sequence>
            </SubSequence></ByteSequence>
        </InternalSignature></InternalSignatureCollection></BinarySignatures>
      </File></Files>
    </ContainerSignature>
    <ContainerSignature Id="1040" ContainerType="ZIP">
      <Description>OOXML any</Description>
      <Files><File><Path>[Content_Types].xml</Path></File></Files>
    </ContainerSignature>
    <ContainerSignature Id="6000" ContainerType="ZIP">
      <Description>ODF text</Description>
      <Files>
        <File><Path>META-INF/</Path></File>
        <File><Path>mimetype</Path>
          <BinarySignatures><InternalSignatureCollection><InternalSignature ID="601">
            <ByteSequence Reference="BOFoffset">
              <SubSequence Position="1" SubSeqMinOffset="0" SubSeqMaxOffset="0">
              <Sequence>'application/vnd.oasis.opendocument.text'</Sequence>
            </SubSequence></ByteSequence>
          </InternalSignature></InternalSignatureCollection></BinarySignatures>
        </File>
      </Files>
    </ContainerSignature>
  </ContainerSignatures>
  <FileFormatMappings>
    <FileFormatMapping signatureId="1020" Puid="fmt/40"/>
    <FileFormatMapping signatureId="1030" Puid="fmt/412"/>
    <FileFormatMapping signatureId="1040" Puid="fmt/189"/>
    <FileFormatMapping signatureId="6000" Puid="fmt/136"/>
  </FileFormatMappings>
  <TriggerPuids>
    <TriggerPuid ContainerType="OLE2" Puid="fmt/111"/>
    <TriggerPuid ContainerType="ZIP" Puid="x-fmt/263"/>
  </TriggerPuids>
</ContainerSignatureMapping>
"""


@pytest.fixture()
def droid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DroidIdentifier:
    monkeypatch.setenv("BSF_CACHE_DIR", str(tmp_path / "cache"))
    formats = [
        Fmt(1, "x-fmt/263", "ZIP Format", {200: [Seq(BOF, [Sub("'PK' 03 04")])]},
            extensions=["zip"]),
        Fmt(2, "fmt/111", "OLE2 Compound Document Format",
            {170: [Seq(BOF, [Sub("D0CF11E0A1B11AE1")])]}),
        Fmt(3, "fmt/40", "Microsoft Word Document", extensions=["doc"], priority_over=[2]),
        Fmt(4, "fmt/412", "Microsoft Word for Windows", extensions=["docx"],
            priority_over=[1, 5]),
        Fmt(5, "fmt/189", "Microsoft Office Open XML", extensions=["docx", "xlsx"],
            priority_over=[1]),
        Fmt(6, "fmt/136", "OpenDocument Text", extensions=["odt"], priority_over=[1]),
        Fmt(7, "fmt/14", "Acrobat PDF 1.0", {10: [Seq(BOF, [Sub("'%PDF-1.0'")])]},
            extensions=["pdf"]),
        Fmt(8, "fmt/15", "Acrobat PDF 1.1", {11: [Seq(BOF, [Sub("'%PDF-1.1'")])]},
            extensions=["pdf"]),
        Fmt(9, "x-fmt/111", "Plain Text File", extensions=["txt"]),
        Fmt(10, "t/a", "A", {20: [Seq(BOF, [Sub("'SAME'")])]}, extensions=["aaa"]),
        Fmt(11, "t/b", "B", {21: [Seq(BOF, [Sub("'SAME'")])]}, extensions=["bbb"]),
        Fmt(12, "t/g", "Generic thing", {22: [Seq(BOF, [Sub("'GEN'")])]}, generic=True),
        Fmt(13, "t/multi", "Multi", {30: [Seq(BOF, [Sub("'M1'")])], 31: [Seq(BOF, [Sub("'M2'")])]},
            extensions=["m"]),
        Fmt(14, "fmt/817", "JSON", extensions=["json"]),
        Fmt(15, "fmt/1311", "JSON-LD-ish", {40: [Seq(BOF, [Sub("'{\"@context'")])]},
            extensions=["json"]),
    ]
    sig = write_signature_file(tmp_path, formats)
    cont = tmp_path / "containers.xml"
    cont.write_text(CONTAINERS, encoding="utf-8")
    return DroidIdentifier("org.dspace.content.format.DROIDIdentifier", sig, cont)


def ident(droid: DroidIdentifier, data: bytes, name: str):  # type: ignore[no-untyped-def]
    return droid.identify(Sample.from_bytes(data, name), None)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_specific_byte_match(droid: DroidIdentifier) -> None:
    m = ident(droid, b"%PDF-1.1\n...", "report.pdf")
    assert str(m.key) == "PRONOM:fmt/15" and m.confidence == Confidence.POSITIVE_SPECIFIC
    assert m.basis == "byte match at [[0 8]]" and m.warning == ""
    assert m.source == "org.dspace.content.format.DROIDIdentifier"


def test_extension_mismatch_warning(droid: DroidIdentifier) -> None:
    m = ident(droid, b"%PDF-1.0\n", "report.txt")
    assert str(m.key) == "PRONOM:fmt/14" and m.warning == "extension mismatch"


def test_signature_number_in_basis(droid: DroidIdentifier) -> None:
    assert ident(droid, b"M2xx", "a.m").basis == "byte match at [[0 2]] (signature 2/2)"


def test_generic_signature_is_positive_generic(droid: DroidIdentifier) -> None:
    assert ident(droid, b"GEN...", "x").confidence == Confidence.POSITIVE_GENERIC


def test_equal_hits_prefer_the_extension_then_warn(droid: DroidIdentifier) -> None:
    m = ident(droid, b"SAME", "file.bbb")
    assert str(m.key) == "PRONOM:t/b" and m.warning == "multiple matches t/b, t/a"
    m = ident(droid, b"SAME", "file.zzz")  # no extension decides: lowest PUID, stable
    assert str(m.key) == "PRONOM:t/a"
    assert "multiple matches t/a, t/b" in m.warning and "extension mismatch" in m.warning
    assert [str(x.key) for x in droid.identify_all(Sample.from_bytes(b"SAME", "f"))] == \
        ["PRONOM:t/a", "PRONOM:t/b"]


def test_extension_only_when_no_signature_matched(droid: DroidIdentifier) -> None:
    m = ident(droid, b"hello world", "notes.txt")
    assert str(m.key) == "PRONOM:x-fmt/111" and m.confidence == Confidence.EXTENSION
    assert m.basis == "extension match txt" and m.warning == "match on extension only"


def test_formats_with_signatures_are_ruled_out_of_extension_guesses(
        droid: DroidIdentifier) -> None:
    m = ident(droid, b'{"a": 1}', "data.json")
    assert str(m.key) == "PRONOM:fmt/817" and m.confidence == Confidence.EXTENSION
    assert str(ident(droid, b'{"@context": 1}', "data.json").key) == "PRONOM:fmt/1311"


def test_several_extension_candidates_stay_unknown(droid: DroidIdentifier) -> None:
    m = ident(droid, b"garbage", "broken.pdf")
    assert m.key is None and m.confidence == Confidence.UNIDENTIFIED
    assert m.warning == "no match; possibilities based on extension are fmt/14, fmt/15"


def test_no_match_and_empty_file(droid: DroidIdentifier) -> None:
    assert ident(droid, b"garbage", "x.unknownext").warning == "no match"
    empty = ident(droid, b"", "empty.pdf")
    assert empty.key is None and empty.warning == "empty file"


def test_ooxml_container(droid: DroidIdentifier) -> None:
    ct = (b'<?xml version="1.0"?><Types><Override ContentType="application/vnd.openxmlformats-'
          b'officedocument.wordprocessingml.document.main+xml"/></Types>')
    m = ident(droid, zip_bytes({"[Content_Types].xml": ct, "word/document.xml": b"<w/>"}),
              "paper.docx")
    assert str(m.key) == "PRONOM:fmt/412"  # fmt/412 has priority over the generic fmt/189
    assert m.confidence == Confidence.POSITIVE_SPECIFIC
    assert m.basis == "container name [Content_Types].xml with byte match at [[38 94]]"


def test_container_directory_paths_and_members(droid: DroidIdentifier) -> None:
    odt = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text",
                     "META-INF/manifest.xml": b"<m/>"})
    m = ident(droid, odt, "a.odt")
    assert str(m.key) == "PRONOM:fmt/136"
    assert m.basis.startswith("container name mimetype with byte match at [[0 39]]")


def test_plain_zip_is_a_generic_container(droid: DroidIdentifier) -> None:
    m = ident(droid, zip_bytes({"a.txt": b"hello"}), "bundle.zip")
    assert str(m.key) == "PRONOM:x-fmt/263" and m.confidence == Confidence.POSITIVE_GENERIC


def test_ole2_container(droid: DroidIdentifier) -> None:
    compobj = b"\x01\x00\xfe\xff\x03\x0a\x00\x00" + b"Word.Document.8\x00"
    doc = build_ole2({"WordDocument": b"\xec\xa5" + b"\0" * 5000, "\x01CompObj": compobj})
    m = ident(droid, doc, "letter.doc")
    assert str(m.key) == "PRONOM:fmt/40"
    assert m.basis == "container name CompObj with byte match at [[8 16]]; name WordDocument"
    other = build_ole2({"Workbook": b"\0" * 100})
    m = ident(droid, other, "sheet.xls")
    assert str(m.key) == "PRONOM:fmt/111" and m.confidence == Confidence.POSITIVE_GENERIC


def test_ole2_streams_in_storages_and_mini_stream(droid: DroidIdentifier) -> None:
    from formats.signatures.ole2 import OleDirectory

    data = build_ole2({"Small": b"tiny stream", "Big": bytes(range(256)) * 20},
                      {"Store": {"Inner": b"inside"}})
    ole = OleDirectory(io.BytesIO(data), len(data))
    assert ole.read("Small", 100) == b"tiny stream"
    assert ole.read("Big", 600) == (bytes(range(256)) * 3)[:600]
    assert ole.read("Store/Inner", 3) == b"ins"
    assert ole.read("Missing", 3) == b""


def test_corrupt_containers_do_not_raise(droid: DroidIdentifier) -> None:
    broken = b"PK\x03\x04" + b"\xff" * 100 + b"PK\x05\x06" + b"\xff" * 18
    assert str(ident(droid, broken, "x.zip").key) == "PRONOM:x-fmt/263"
    ole = build_ole2({"WordDocument": b"x" * 10})
    truncated = ole[:600]
    assert str(ident(droid, truncated, "x.doc").key) == "PRONOM:fmt/111"


def test_identifier_pickles_for_worker_processes(droid: DroidIdentifier) -> None:
    clone = pickle.loads(pickle.dumps(droid))
    assert str(ident(clone, b"%PDF-1.1", "a.pdf").key) == "PRONOM:fmt/15"
    assert len(pickle.dumps(droid)) < 2000


def test_deeply_nested_ole2_storages_do_not_overflow() -> None:
    """5000 nested storages: no recursion, and paths stop growing at MAX_DEPTH (else their
    total length would grow with the square of the depth)."""
    from formats.signatures.ole2 import MAX_DEPTH, OleDirectory, OleEntry, _Node

    free = 0xFFFFFFFF
    depth = 5000  # far beyond Python's recursion limit
    nodes = [_Node(OleEntry("Root Entry", 5, 0, 0), free, free, 1)]
    for i in range(1, depth):
        nodes.append(_Node(OleEntry(f"S{i}", 1, 0, 0), free, free, i + 1))
    nodes.append(_Node(OleEntry("Leaf", 2, 0, 0), free, free, free))
    ole = OleDirectory.__new__(OleDirectory)
    ole.entries = {}
    ole.problems = []
    ole._walk(nodes, 1)
    assert len(ole.entries) == MAX_DEPTH
    assert max(ole.entries, key=len).count("/") == MAX_DEPTH - 1
    assert ole.problems == [f"OLE2 storages nest deeper than {MAX_DEPTH}; deeper entries not "
                            "listed"]


def test_details_name_the_signature_files() -> None:
    droid = DroidIdentifier("DROID")
    assert droid.details == "DROID_SignatureFile_V122.xml; container-signature-20260119.xml"
    assert droid.version == "V122; container 40"
