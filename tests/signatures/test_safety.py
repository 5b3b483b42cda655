"""Signature files that would make matching backtrack are refused when loaded, with file and
line; the real PRONOM data passes; what passes matches in bounded time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bsf.main import main
from bsfcore.errors import RegistryError
from formats.signatures import build_engine
from formats.signatures import pattern as P
from formats.signatures.container import ContainerMatcher
from formats.signatures.safety import MAX_AMBIGUITY, regex_shape
from registries.pronom import load_container_file, load_signature_file
from registries.pronom.parse import parse_container_file, parse_signature_file
from tests.signatures.sigbuild import Fmt, Seq, Sub, write_signature_file

BOF = "BOFoffset"
ISSUE = "(00|0000)" * 40 + "01"  # the issue's pattern


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BSF_CACHE_DIR", str(tmp_path / "cache"))


def ways(text: str) -> int:
    return regex_shape(P.to_regex(P.parse(text))).ways


def hostile_sigfile(tmp_path: Path, *patterns: str, reference: str | None = BOF) -> Path:
    subs = {i: [Seq(reference, [Sub(p, 0, None if reference is None else 64)])]
            for i, p in enumerate(patterns, 1)}
    return write_signature_file(tmp_path, [Fmt(1, "h/1", "hostile", subs),
                                           Fmt(2, "t/1", "text", {99: [Seq(BOF, [Sub("'ok'")])]})])


def container_file(tmp_path: Path, pattern: str) -> Path:
    path = tmp_path / "containers.xml"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<ContainerSignatureMapping schemaVersion="1.0" signatureVersion="1">
  <ContainerSignatures>
    <ContainerSignature Id="10" ContainerType="ZIP">
      <Description>hostile</Description>
      <Files><File><Path>a.txt</Path>
        <BinarySignatures><InternalSignatureCollection><InternalSignature ID="7">
          <ByteSequence Reference="BOFoffset">
            <SubSequence Position="1" SubSeqMinOffset="0" SubSeqMaxOffset="128">
              <Sequence>{pattern}</Sequence>
            </SubSequence></ByteSequence>
        </InternalSignature></InternalSignatureCollection></BinarySignatures>
      </File></Files>
    </ContainerSignature>
  </ContainerSignatures>
  <FileFormatMappings><FileFormatMapping signatureId="10" Puid="h/2"/></FileFormatMappings>
  <TriggerPuids><TriggerPuid ContainerType="ZIP" Puid="x-fmt/263"/></TriggerPuids>
</ContainerSignatureMapping>
""", encoding="utf-8")
    return path


def test_the_issue_byte_signature_is_refused_with_file_and_line(tmp_path: Path) -> None:
    path = hostile_sigfile(tmp_path, ISSUE)
    with pytest.raises(RegistryError) as err:
        build_engine(parse_signature_file(path))
    assert str(err.value).startswith(f"{path}:3: InternalSignature 1 ByteSequence 1: its "
                                     "pattern can reach one position in about 2^")
    assert "refused" in str(err.value)


def test_the_issue_container_signature_is_refused(tmp_path: Path) -> None:
    path = container_file(tmp_path, " ".join(["(00|0000)"] * 40) + " 01")
    with pytest.raises(RegistryError, match=rf"{path}:8: InternalSignature 7 ByteSequence 1"):
        ContainerMatcher(parse_container_file(path))


@pytest.mark.parametrize("text", [
    ISSUE,
    "('a'|'ab'|'abc'|'abcd')" * 10 + "'x'",          # prefixes of each other
    "([00:FF]|00 01)" * 20,                           # a set that starts the other option
    "(00 {0-100} | 01 {0-100})" * 4 + "02",           # wide gaps ending alternatives
    "(00 ?? | ?? 00)" * 12 + "01",                    # options that overlap shifted
])
def test_ambiguous_patterns_are_measured_as_such(text: str) -> None:
    assert ways(text) > MAX_AMBIGUITY


@pytest.mark.parametrize("text", [
    "([00:FF]|00)" * 20,                              # the compiler folds 00 into the set
    "(22|27)" * 30,                                   # options told apart by their byte
    "00 {0-4096} 01 {0-4096} 02",                     # gaps before a token commit to it
    "'<?xml' (09 {0-30} | 20 {0-30}) 'version'",      # V118's worst, about
    "(0A|0D0A) 'x'",
])
def test_unambiguous_patterns_pass(text: str) -> None:
    assert ways(text) <= MAX_AMBIGUITY


def test_every_bad_signature_is_named_at_once(tmp_path: Path) -> None:
    path = hostile_sigfile(tmp_path, ISSUE, "(00 {0-100} | 01 {0-100})" * 4 + "02", "'fine'")
    with pytest.raises(RegistryError) as err:
        build_engine(parse_signature_file(path))
    assert str(err.value).startswith("2 problems:")
    assert "InternalSignature 1 " in str(err.value) and "InternalSignature 2 " in str(err.value)
    assert "InternalSignature 3 " not in str(err.value)


def test_a_chain_of_segments_retried_through_wide_bounded_gaps_is_refused(
        tmp_path: Path) -> None:
    chain = " {0-5000} ".join(f"'s{i}'" for i in range(6))  # 5 levels of 64 candidates
    path = hostile_sigfile(tmp_path, chain)
    with pytest.raises(RegistryError, match="paths per file"):
        build_engine(parse_signature_file(path))
    two = " {0-5000} ".join(f"'s{i}'" for i in range(3))  # 64^2: like V118's longest
    build_engine(parse_signature_file(hostile_sigfile(tmp_path, two)))


def test_many_signatures_each_under_the_bounds_are_refused_together(tmp_path: Path) -> None:
    near = "(00|0000)" * 6 + "01"  # ambiguity 32, about 2^24 paths in a 64 KiB window
    build_engine(parse_signature_file(hostile_sigfile(tmp_path, near, reference=None)))
    path = hostile_sigfile(tmp_path, *[near] * 200, reference=None)
    with pytest.raises(RegistryError, match=r"its signatures together may explore about 2\^"):
        build_engine(parse_signature_file(path))


def test_an_unbounded_gap_inside_alternatives_is_refused(tmp_path: Path) -> None:
    path = hostile_sigfile(tmp_path, "(00 * 01 | 00 * 02) 03", reference=None)
    with pytest.raises(RegistryError, match="paths per file"):
        build_engine(parse_signature_file(path))


def test_identify_with_a_hostile_signature_file_is_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sig = hostile_sigfile(tmp_path, ISSUE)
    cont = container_file(tmp_path, "'fine'")
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(
        "plugin.named.org.dspace.content.format.FormatRegistry = "
        "org.dspace.content.format.PRONOMFormatRegistry = PRONOM\n"
        "plugin.sequence.org.dspace.content.format.FormatIdentifier = "
        "org.dspace.content.format.DROIDIdentifier\n"
        f"formatIdentifier.DROID.signatureFile = {sig}\n"
        f"formatIdentifier.DROID.containerSignatureFile = {cont}\n"
        "formatIdentifier.CSSIdentifier.identifiers =\n"
        "formatIdentifier.TextSubtypeHelper.subtypes =\n")
    victim = tmp_path / "victim.bin"
    victim.write_bytes(b"\0" * 60 + b"\x02\x01")
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(cfg), "identify", str(victim)])
    assert exited.value.code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {sig}:3: InternalSignature 1")


def test_the_default_and_the_shipped_pronom_data_pass(shared_dir: Path) -> None:
    build_engine(load_signature_file(None))
    ContainerMatcher(load_container_file(None))
    pronom = shared_dir / "pronom"
    build_engine(load_signature_file(pronom / "DROID_SignatureFile_V118.xml"))
    ContainerMatcher(load_container_file(pronom / "container-signature-20240501.xml"))
