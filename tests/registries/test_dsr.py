"""dsr registry documents: the DSpace registry, the seed's HTM entry, every error at once."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from archive.init import default_formats_15
from bsfcore.errors import RegistryError, UnsafeInputError
from registries.dsr import (
    DSR_NAMESPACE,
    dspace_identifier,
    load_registry_document,
    write_registry_document,
)
from registries.model import Format, FormatKey, RegistrySet, SupportLevel
from registries.packaged import packaged_formats_dir

FORMATS = packaged_formats_dir()

HTM_ENTRY = """<dsr:entry>
<dsr:name>HTM</dsr:name>
<dsr:description>Temporary problem-solver to recognize htm file extension
because DROID doesn't interpret PUID fmt/96 correctly.
</dsr:description>
<dsr:mime-type>text/html</dsr:mime-type>
<dsr:external-identifiers>
<dsr:identifier>Provisional:HTM</dsr:identifier>
<dsr:identifier>PRONOM:fmt/96</dsr:identifier>
</dsr:external-identifiers>
<dsr:external-signatures>
<dsr:extension>htm</dsr:extension>
</dsr:external-signatures>
</dsr:entry>"""


def document(entries: str, root_attrs: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<dsr:format-registry '
            f'xmlns:dsr="{DSR_NAMESPACE}"{root_attrs}>\n{entries}\n</dsr:format-registry>\n')


def write(tmp_path: Path, text: str, name: str = "provisional-formats.xml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def dspace15_rows(shared_dir: Path) -> list[tuple[str, str, tuple[str, ...], int, bool]]:
    """The 73 formats of DSpace 1.5.1 from the research notes (an independent source)."""
    text = (shared_dir / "research" / "dspace-renovation.md").read_text()
    rows = []
    for line in text.splitlines():
        if re.match(r"\| \d+ \|", line):
            _, name, mime, exts, level, internal = (c.strip() for c in line.strip("|").split("|"))
            extensions = () if exts == "—" else tuple(e.strip() for e in exts.split(","))
            rows.append((name, mime, extensions, int(level), internal == "true"))
    return rows


def test_every_dspace15_format_is_present_with_its_extensions(shared_dir: Path) -> None:
    registry = load_registry_document(FORMATS / "dspace-formats.xml", "DSpace")
    rows = dspace15_rows(shared_dir)
    assert len(rows) == 73 and len(registry) == 73
    for name, mime, extensions, level, internal in rows:
        fmt = registry.get(FormatKey("DSpace", dspace_identifier(name)))
        assert fmt is not None, name
        assert fmt.name == name
        assert fmt.mime_type == mime
        assert fmt.extensions == extensions
        assert fmt.support_level == SupportLevel(level)
        assert fmt.internal is internal
        for ext in extensions:
            assert fmt in registry.by_extension(ext)
    assert sum(len(f.extensions) for f in registry) == 89


def test_dspace_identifiers_match_the_instructions() -> None:
    registry = load_registry_document(FORMATS / "dspace-formats.xml", "DSpace")
    for ident in ("XML", "HTML", "CSS", "MARC", "Postscript", "Mathematica", "LateX", "TeX",
                  "SGML", "RealAudio", "Adobe_PDF", "image_png", "Writer_6.0_documents"):
        assert FormatKey("DSpace", ident) in registry, ident
    assert dspace_identifier("OpenOffice.org extension") == "OpenOffice.org_extension"
    assert [f.name for f in registry.by_mime("text/plain; charset=utf-8")] == ["License", "Text"]


def test_provisional_registry_starts_empty() -> None:
    assert len(load_registry_document(FORMATS / "provisional-formats.xml", "Provisional")) == 0


def test_seed_htm_entry_validates_as_written(tmp_path: Path) -> None:
    registry = load_registry_document(write(tmp_path, document(HTM_ENTRY)), "Provisional")
    fmt = registry.get(FormatKey("Provisional", "HTM"))
    assert fmt is not None
    assert fmt.keys == (FormatKey("Provisional", "HTM"), FormatKey("PRONOM", "fmt/96"))
    assert fmt.extensions == ("htm",) and fmt.mime_type == "text/html"
    assert fmt.support_level == SupportLevel.KNOWN and not fmt.internal
    assert fmt.description is not None and fmt.description.startswith("Temporary")


def test_default_support_level_applies_to_entries_without_one(tmp_path: Path) -> None:
    path = write(tmp_path, document(HTM_ENTRY))
    registry = load_registry_document(path, "Provisional",
                                      default_support_level=SupportLevel.SUPPORTED)
    assert next(iter(registry)).support_level == SupportLevel.SUPPORTED


def test_synonyms_resolve_both_ways(tmp_path: Path) -> None:
    provisional = load_registry_document(write(tmp_path, document(HTM_ENTRY)), "Provisional")
    html = Format(keys=(FormatKey("PRONOM", "fmt/96"),), name="Hypertext Markup Language",
                  version="4.0", extensions=("html", "htm"))
    registries = RegistrySet([provisional])
    # Without PRONOM loaded, the PRONOM key still reaches the Provisional entry.
    assert registries.get(FormatKey("PRONOM", "fmt/96")).key == FormatKey("Provisional", "HTM")
    from registries.model import Registry

    registries.add(Registry("PRONOM", [html]))
    assert registries.get(FormatKey("PRONOM", "fmt/96")) is html
    assert registries.equivalent(FormatKey("PRONOM", "fmt/96")) == {
        FormatKey("PRONOM", "fmt/96"), FormatKey("Provisional", "HTM")}
    assert registries.equivalent(FormatKey("Provisional", "HTM")) == {
        FormatKey("PRONOM", "fmt/96"), FormatKey("Provisional", "HTM")}


THREE_BROKEN = """<dsr:entry>
  <dsr:name>Good</dsr:name>
  <dsr:external-identifiers><dsr:identifier>Provisional:Good</dsr:identifier>
  </dsr:external-identifiers>
</dsr:entry>
<dsr:entry>
  <dsr:name>No identifiers</dsr:name>
  <dsr:mime-type>text/plain</dsr:mime-type>
</dsr:entry>
<dsr:entry>
  <dsr:name>Bad level</dsr:name>
  <dsr:support-level>excellent</dsr:support-level>
  <dsr:external-identifiers><dsr:identifier>Provisional:Bad</dsr:identifier>
  </dsr:external-identifiers>
</dsr:entry>
<dsr:entry>
  <dsr:name>Dotted extension</dsr:name>
  <dsr:external-identifiers><dsr:identifier>Provisional:Dot</dsr:identifier>
  </dsr:external-identifiers>
  <dsr:external-signatures><dsr:extension>.txt</dsr:extension></dsr:external-signatures>
</dsr:entry>"""


@pytest.mark.parametrize("validate", [True, False])
def test_three_broken_entries_are_all_reported_with_lines(tmp_path: Path, validate: bool) -> None:
    path = write(tmp_path, document(THREE_BROKEN))
    with pytest.raises(RegistryError) as info:
        load_registry_document(path, "Provisional", validate=validate)
    problems = info.value.problems
    assert sorted({p.line for p in problems}) == [8, 14, 22], problems
    assert all(p.path == str(path) for p in problems)
    message = str(info.value)
    assert f"{path}:8" in message and f"{path}:14" in message and f"{path}:22" in message


def test_semantic_errors_reported_together(tmp_path: Path) -> None:
    entries = HTM_ENTRY + """
<dsr:entry><dsr:name>HTM</dsr:name><dsr:external-identifiers>
<dsr:identifier>Provisional:HTM2</dsr:identifier><dsr:identifier>PRONOM:fmt/96</dsr:identifier>
</dsr:external-identifiers></dsr:entry>
<dsr:entry><dsr:name>Foreign only</dsr:name><dsr:external-identifiers>
<dsr:identifier>PRONOM:fmt/1</dsr:identifier></dsr:external-identifiers></dsr:entry>
<dsr:entry><dsr:name>Two own</dsr:name><dsr:external-identifiers>
<dsr:identifier>Provisional:A</dsr:identifier><dsr:identifier>Provisional:B</dsr:identifier>
</dsr:external-identifiers></dsr:entry>"""
    with pytest.raises(RegistryError) as info:
        load_registry_document(write(tmp_path, document(entries)), "Provisional")
    text = "\n".join(p.message for p in info.value.problems)
    assert "duplicate name 'HTM'" in text
    assert "PRONOM:fmt/96 of entry 'HTM' is already used by entry 'HTM'" in text
    assert "no identifier in the Provisional namespace" in text
    assert "2 identifiers in the Provisional namespace" in text
    assert len(info.value.problems) == 4


def test_namespace_attribute_must_agree(tmp_path: Path) -> None:
    path = write(tmp_path, document(HTM_ENTRY, ' namespace="DSpace"'))
    with pytest.raises(RegistryError, match="declares namespace='DSpace'"):
        load_registry_document(path, "Provisional")


def test_wrong_root_element(tmp_path: Path) -> None:
    path = write(tmp_path, "<registry><entry/></registry>")
    with pytest.raises(RegistryError, match="expected dsr:format-registry"):
        load_registry_document(path, "Provisional")


def test_missing_document_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="does not exist"):
        load_registry_document(tmp_path / "nope.xml", "Provisional")


def test_registry_document_with_xxe_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-REGISTRY-42")
    text = document(HTM_ENTRY.replace("<dsr:name>HTM</dsr:name>", "<dsr:name>&s;</dsr:name>"))
    text = text.replace("<dsr:format-registry",
                        f'<!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>\n'
                        "<dsr:format-registry", 1)
    with pytest.raises(UnsafeInputError) as info:
        load_registry_document(write(tmp_path, text), "Provisional")
    assert "SECRET-REGISTRY-42" not in str(info.value)


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    formats = [
        Format(keys=(FormatKey("Provisional", "HTM"), FormatKey("PRONOM", "fmt/96")), name="HTM",
               mime_type="text/html", description="why & <how>", extensions=("htm",)),
        Format(keys=(FormatKey("PRONOM", "fmt/1"), FormatKey("Provisional", "Old")),
               name="Old thing", version="2", support_level=SupportLevel.UNKNOWN, internal=True),
    ]
    dest = tmp_path / "out" / "new.xml"
    write_registry_document(formats, dest, namespace="Provisional", comment="made -- by test")
    registry = load_registry_document(dest, "Provisional")
    old = registry.get(FormatKey("Provisional", "Old"))
    assert old is not None and old.keys == (FormatKey("Provisional", "Old"),
                                            FormatKey("PRONOM", "fmt/1"))
    assert old.internal and old.version == "2" and old.support_level == SupportLevel.UNKNOWN
    assert registry.get(FormatKey("Provisional", "HTM")).description == "why & <how>"
    stream = io.BytesIO()
    write_registry_document(formats, stream)
    assert stream.getvalue().startswith(b"<?xml")
    assert list(tmp_path.joinpath("out").iterdir()) == [dest]


def test_write_refuses_formats_without_own_key(tmp_path: Path) -> None:
    from bsfcore.errors import BsfError

    fmt = Format(keys=(FormatKey("PRONOM", "fmt/1"),), name="x")
    with pytest.raises(BsfError, match="exactly one Provisional"):
        write_registry_document([fmt], tmp_path / "x.xml", namespace="Provisional")
    assert not (tmp_path / "x.xml").exists()


def test_problems_on_one_line_are_all_kept(tmp_path: Path) -> None:
    entry = ("<dsr:entry><dsr:name>X</dsr:name><dsr:mime-type>text plain</dsr:mime-type>"
             "<dsr:external-identifiers><dsr:identifier>Provisional:X</dsr:identifier>"
             "</dsr:external-identifiers><dsr:external-signatures><dsr:extension>.x"
             "</dsr:extension></dsr:external-signatures></dsr:entry>")
    with pytest.raises(RegistryError) as info:
        load_registry_document(write(tmp_path, document(entry)), "Provisional")
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 2, messages
    assert any("dsr:mime-type" in m for m in messages)
    assert any("malformed extension '.x'" in m for m in messages)


def test_unexpected_elements_are_reported(tmp_path: Path) -> None:
    entries = HTM_ENTRY.replace("<dsr:name>HTM</dsr:name>",
                                "<dsr:name>HTM</dsr:name><dsr:colour>red</dsr:colour>")
    with pytest.raises(RegistryError, match="unexpected element dsr:colour"):
        load_registry_document(write(tmp_path, document(entries + "<dsr:extra/>")),
                               "Provisional", validate=False)


def test_entry_taken_verbatim_from_the_instructions_validates(shared_dir: Path,
                                                              tmp_path: Path) -> None:
    seed = (shared_dir / "seeds" / "003_b7931ae9450d23a9.txt").read_text()
    start, end = seed.index("<dsr:entry>"), seed.index("</dsr:entry>") + len("</dsr:entry>")
    registry = load_registry_document(write(tmp_path, document(seed[start:end])), "Provisional")
    (fmt,) = registry
    assert str(fmt.key) == "Provisional:HTM" and [str(k) for k in fmt.synonyms] == [
        "PRONOM:fmt/96"]


def test_pronom_style_mime_lists_round_trip(tmp_path: Path) -> None:
    fmt = Format(keys=(FormatKey("Provisional", "XMLish"), FormatKey("PRONOM", "fmt/101")),
                 name="XMLish", mime_type="application/xml, text/xml; charset=utf-8")
    write_registry_document([fmt], tmp_path / "p.xml", namespace="Provisional")
    registry = load_registry_document(tmp_path / "p.xml", "Provisional")
    assert [f.name for f in registry.by_mime("text/xml")] == ["XMLish"]


def test_every_archive_default_format_maps_into_the_dspace_registry() -> None:
    """Phase 1's mapping: each 1.5 format of a fresh archive has its DSpace-registry entry."""
    registry = load_registry_document(FORMATS / "dspace-formats.xml", "DSpace")
    old = default_formats_15()
    assert len(old) == len(registry) == 73
    for fmt15 in old:
        fmt = registry.get(FormatKey("DSpace", dspace_identifier(fmt15.short_description)))
        assert fmt is not None, fmt15.short_description
        assert (fmt.name, fmt.mime_type.split(";")[0], fmt.extensions, fmt.internal) == (
            fmt15.short_description, fmt15.mimetype.split(";")[0], fmt15.extensions,
            fmt15.internal)
        assert fmt.support_level == SupportLevel(fmt15.support_level)
