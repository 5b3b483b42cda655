"""Hostile XML is refused before anything is read; schemas import only local files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from bsfcore.errors import InputError, UnsafeInputError
from registries.xmlsafe import check_prolog, load_catalog, load_schema, parse_xml

SECRET = "TOP-SECRET-7c1f0a"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _xxe(secret: Path) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY s SYSTEM "file://{secret}">]>\n'
            "<r>&s;</r>").encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def test_xxe_is_refused_before_parsing(secret: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "xxe.xml"
    doc.write_bytes(_xxe(secret))
    parsed: list[object] = []
    monkeypatch.setattr(etree, "parse", lambda *a, **k: parsed.append(a))  # must not be reached
    with pytest.raises(UnsafeInputError, match="DOCTYPE") as info:
        parse_xml(doc)
    assert SECRET not in str(info.value)
    assert parsed == []


def test_xxe_as_bytes_and_stream(secret: Path) -> None:
    for source in (_xxe(secret), io.BytesIO(_xxe(secret))):
        with pytest.raises(UnsafeInputError):
            parse_xml(source)


def test_xxe_in_utf16_is_refused(secret: Path) -> None:
    data = _xxe(secret).decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    with pytest.raises(UnsafeInputError):
        parse_xml(data.encode("utf-16"))


def test_billion_laughs_is_refused_quickly() -> None:
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        parse_xml(BILLION_LAUGHS)


def test_doctype_after_comments_and_pi_is_found() -> None:
    doc = b'<?xml version="1.0"?>\n<!-- hi -->\n<?pi x?>\n<!DOCTYPE r SYSTEM "http://x/r.dtd">\n<r/>'
    with pytest.raises(UnsafeInputError):
        check_prolog(doc, "doc")


def test_doctype_text_inside_the_document_is_not_a_doctype() -> None:
    tree = parse_xml(b"<r><!-- <!DOCTYPE x> --><![CDATA[<!DOCTYPE y>]]></r>")
    assert tree.getroot().tag == "r"


def test_second_wall_the_parser_itself_never_reads_the_secret(secret: Path) -> None:
    """Even bypassing the prolog check, the lxml parser does not load the external entity."""
    from registries.xmlsafe import safe_parser

    try:
        tree = etree.fromstring(_xxe(secret), safe_parser())
    except (etree.XMLSyntaxError, UnsafeInputError):
        return
    assert SECRET not in etree.tostring(tree).decode()


def test_syntax_errors_carry_file_and_line(tmp_path: Path) -> None:
    doc = tmp_path / "bad.xml"
    doc.write_text("<r>\n<a>\n</r>\n")
    with pytest.raises(InputError) as info:
        parse_xml(doc)
    problem = info.value.problems[0]
    assert problem.path == str(doc) and problem.line is not None


def test_schema_reports_every_error(tmp_path: Path) -> None:
    xsd = tmp_path / "s.xsd"
    xsd.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                   '<xs:element name="r"><xs:complexType><xs:sequence>'
                   '<xs:element name="n" type="xs:integer" maxOccurs="unbounded"/>'
                   "</xs:sequence></xs:complexType></xs:element></xs:schema>")
    schema = load_schema(xsd)
    with pytest.raises(InputError) as info:
        parse_xml(b"<r>\n<n>1</n>\n<n>x</n>\n<n>2</n>\n<n>y</n>\n</r>", schema=schema)
    assert [p.line for p in info.value.problems] == [3, 5]


def _importing_schema(tmp_path: Path, location: str) -> Path:
    xsd = tmp_path / "imp.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">'
        f'<xs:import namespace="http://www.w3.org/1999/xlink" schemaLocation="{location}"/>'
        '<xs:element name="r" type="xs:string"/></xs:schema>')
    return xsd


XLINK = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
         'targetNamespace="http://www.w3.org/1999/xlink"><xs:attribute name="href" '
         'type="xs:anyURI"/></xs:schema>')


def test_network_import_is_refused_without_catalog(tmp_path: Path) -> None:
    xsd = _importing_schema(tmp_path, "http://www.loc.gov/standards/xlink/xlink.xsd")
    with pytest.raises(UnsafeInputError, match="never fetches"):
        load_schema(xsd)


def test_network_import_resolves_through_catalog(tmp_path: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    (local / "xlink.xsd").write_text(XLINK)
    catalog = local / "catalog.xml"
    catalog.write_text('<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
                       '<system systemId="http://www.loc.gov/standards/xlink/xlink.xsd" '
                       'uri="xlink.xsd"/></catalog>')
    xsd = _importing_schema(tmp_path, "http://www.loc.gov/standards/xlink/xlink.xsd")
    assert load_catalog(catalog)["http://www.loc.gov/standards/xlink/xlink.xsd"].is_file()
    schema = load_schema(xsd, catalog=catalog)
    assert schema.validate(etree.fromstring(b'<r xmlns="urn:t">x</r>'))


def test_relative_import_beside_the_schema_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "xlink.xsd").write_text(XLINK)
    load_schema(_importing_schema(tmp_path, "xlink.xsd"))


def test_import_outside_the_schema_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "xlink.xsd").write_text(XLINK)
    inner = tmp_path / "schemas"
    inner.mkdir()
    with pytest.raises(UnsafeInputError):
        load_schema(_importing_schema(inner, str(outside / "xlink.xsd")))


def test_shared_mets_schema_loads_offline(shared_dir: Path) -> None:
    schemas = shared_dir / "schemas"
    load_schema(schemas / "mets.xsd", catalog=schemas / "catalog.xml")


def test_broken_schema_is_a_located_error(tmp_path: Path) -> None:
    xsd = tmp_path / "broken.xsd"
    xsd.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n'
                   '<xs:element name="r" type="xs:nosuchtype"/>\n</xs:schema>')
    with pytest.raises(InputError) as info:
        load_schema(xsd)
    assert info.value.problems[0].line == 2
    with pytest.raises(InputError, match="does not exist"):
        load_schema(tmp_path / "missing.xsd")
