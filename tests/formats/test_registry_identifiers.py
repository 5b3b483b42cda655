"""DSpace (extension + libmagic), Provisional and TextSubtypeHelper identifiers."""

from __future__ import annotations

import builtins
import io
import pickle
import zipfile

import pytest

from bsfcore.errors import BsfError
from formats.identifiers.dspace import DSpaceIdentifier, dspace_extension
from formats.identifiers.provisional import ProvisionalIdentifier
from formats.identifiers.subtype import TextSubtypeHelper
from formats.model import Confidence, Match, Sample
from registries.model import RegistrySet
from tests.formats.helpers import dspace_registry, dspace_set, key, pronom_set

DS = "org.dspace.content.format.DSpaceFormatRegistry"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


@pytest.fixture(scope="module")
def dspace() -> DSpaceIdentifier:
    return DSpaceIdentifier(DS, dspace_registry())


def s(data: bytes, name: str) -> Sample:
    return Sample.from_bytes(data, name)


@pytest.mark.parametrize(("name", "ext"), [
    ("Report.PDF", "pdf"), ("archive.tar.gz", "gz"), ("README", "readme"), ("trailing.", None),
    (None, None), (".hidden", "hidden"),
])
def test_dspace_extension_rule(name: str | None, ext: str | None) -> None:
    assert dspace_extension(name) == ext


def test_extension_confirmed_by_content(dspace: DSpaceIdentifier) -> None:
    m = dspace.identify(s(PDF, "thesis.PDF"), None)
    assert m is not None
    assert (m.key, m.confidence) == (key("DSpace:Adobe_PDF"), Confidence.POSITIVE_GENERIC)
    assert m.basis == "extension match pdf; mime match application/pdf (libmagic)"
    assert m.warning == "" and m.source == DS
    t = dspace.identify(s(b"hello world\n", "notes.txt"), None)
    assert t is not None and (t.key, t.confidence) == (key("DSpace:Text"), Confidence.HEURISTIC)


def test_whole_name_is_the_extension_without_a_dot(dspace: DSpaceIdentifier) -> None:
    m = dspace.identify(s(b"read me\n", "README"), None)
    assert m is not None and m.key == key("DSpace:README")


def test_mismatch_lowers_confidence_and_warns(dspace: DSpaceIdentifier) -> None:
    m = dspace.identify(s(JPEG, "photo.pdf"), None)
    assert m is not None
    assert (m.key, m.confidence) == (key("DSpace:Adobe_PDF"), Confidence.EXTENSION)
    assert m.warning == "extension mismatch: content looks like image/jpeg (DSpace:JPEG)"


def test_generic_container_or_plain_text_is_inconclusive(dspace: DSpaceIdentifier) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("content.bin", b"\x00" * 100)
    m = dspace.identify(s(buf.getvalue(), "paper.docx"), None)
    assert m is not None and m.key == key("DSpace:Microsoft_Word_XML")
    assert (m.confidence, m.warning) == (Confidence.EXTENSION, "match on extension only")
    tex = dspace.identify(s(b"just words\n", "paper.tex"), None)
    assert tex is not None and tex.key == key("DSpace:TeX")
    assert (tex.confidence, tex.warning) == (Confidence.EXTENSION, "match on extension only")


def test_internal_formats_are_skipped_and_content_fills_in(dspace: DSpaceIdentifier) -> None:
    m = dspace.identify(s(PDF, "no_extension_here_x"), None)
    assert m is not None and m.key == key("DSpace:Adobe_PDF")
    assert m.warning == "no extension match" and "libmagic" in m.basis
    t = dspace.identify(s(b"some text\n", "blob.zzz"), None)
    assert t is not None and t.key == key("DSpace:Text")       # not the internal License
    assert dspace.identify(s(b"\x00\x01\x02\x03" * 10, "blob.zzz"), None) is None


def test_dspace_identifier_pickles_without_its_cookie(dspace: DSpaceIdentifier) -> None:
    clone = pickle.loads(pickle.dumps(dspace))
    m = clone.identify(s(PDF, "x.pdf"), None)
    assert m is not None and m.key == key("DSpace:Adobe_PDF")


def test_missing_libmagic_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "magic":
            raise ImportError("failed to find libmagic.  Check your installation")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(BsfError, match="libmagic1"):
        DSpaceIdentifier(DS, dspace_registry())


# --- Provisional -------------------------------------------------------------------------------

PROV = "org.dspace.content.format.ProvisionalFormatRegistry"


def test_provisional_extension_entries() -> None:
    ident = ProvisionalIdentifier(PROV, pronom_set())
    m = ident.identify(s(b"\x01\x02", "results.DAT"), None)
    assert m is not None
    assert (m.key, m.confidence) == (key("Provisional:Local_Data"), Confidence.EXTENSION)
    assert (m.basis, m.warning) == ("extension match dat", "match on extension only")
    assert ident.identify(s(b"x", "a.unknown"), None) is None


def test_provisional_stand_in_resolves_to_its_configured_synonym() -> None:
    m = ProvisionalIdentifier(PROV, pronom_set()).identify(s(b"<p>x", "page.htm"), None)
    assert m is not None and m.key == key("PRONOM:fmt/96")
    # with no PRONOM registry the Provisional key itself is the answer
    only = RegistrySet([r for r in pronom_set() if r.namespace == "Provisional"])
    m2 = ProvisionalIdentifier(PROV, only).identify(s(b"<p>x", "page.htm"), None)
    assert m2 is not None and m2.key == key("Provisional:HTM")


def test_provisional_requires_its_registry() -> None:
    with pytest.raises(BsfError, match="no Provisional registry"):
        ProvisionalIdentifier(PROV, RegistrySet([dspace_registry()]))


# --- TextSubtypeHelper -------------------------------------------------------------------------

SUB = "org.dspace.content.format.TextSubtypeHelper"
TEXT = Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, "text", "text match ASCII")


def test_subtype_promotes_generic_text_by_extension() -> None:
    helper = TextSubtypeHelper(SUB, [key("PRONOM:x-fmt/224"), key("PRONOM:fmt/96")], pronom_set())
    m = helper.identify(s(b"x", "style.css"), TEXT)
    assert m is not None
    assert (m.key, m.confidence, m.source) == (key("PRONOM:x-fmt/224"), Confidence.HEURISTIC, SUB)
    assert m.basis == "text match ASCII; extension match css"


def test_subtype_ignores_non_text_and_unlisted() -> None:
    helper = TextSubtypeHelper(SUB, [key("PRONOM:x-fmt/224")], pronom_set())
    pdf = Match(key("PRONOM:fmt/18"), Confidence.POSITIVE_SPECIFIC, "droid")
    assert helper.identify(s(b"x", "a.css"), pdf) is None
    assert helper.identify(s(b"x", "a.html"), TEXT) is None       # fmt/96 not listed
    assert helper.identify(s(b"x", "a.css"), None) is None
    assert helper.identify(s(b"x", "noext"), TEXT) is None


def test_subtype_first_listed_wins_and_others_are_named() -> None:
    helper = TextSubtypeHelper(SUB, [key("PRONOM:fmt/100"), key("PRONOM:fmt/96")], pronom_set())
    m = helper.identify(s(b"x", "index.html"), TEXT)
    assert m is not None and m.key == key("PRONOM:fmt/100")
    assert m.warning == "several subtypes match extension html: PRONOM:fmt/100, PRONOM:fmt/96"


def test_subtype_dspace_keys() -> None:
    helper = TextSubtypeHelper(SUB, [key("DSpace:HTML"), key("DSpace:CSS")], dspace_set())
    prev = Match(key("DSpace:Text"), Confidence.HEURISTIC, "text", "text match ASCII")
    m = helper.identify(s(b"x", "page.htm"), prev)
    assert m is not None and m.key == key("DSpace:HTML")
