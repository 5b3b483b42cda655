"""Each manifest validates the way a standard validator would check it: by the schema locations
it declares (xsi:schemaLocation), resolved through a local XML catalog — lxml, no network.

The check is built here from lxml alone (not from packager.validate), so it tests the manifests,
not bsf's own validator: a driver schema imports exactly the namespaces and locations the
document names; every schema document is looked up in the shipped ``catalog.xml``; any URL the
catalog does not map is recorded and fails the test.
"""

from __future__ import annotations

import zipfile
from html import escape
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import insert, update

from archive.schema import T16
from packager.validate import shipped_folder
from packager.xmlns import METS, MODS, PREMIS, RIGHTS, XSI
from tests.packager.ingest_helpers import export_site

T = T16
CATALOG = "urn:oasis:names:tc:entity:xmlns:xml:catalog"


def _catalog() -> dict[str, Path]:
    root = etree.parse(str(shipped_folder() / "catalog.xml")).getroot()
    found: dict[str, Path] = {}
    for el in root:
        if not isinstance(el.tag, str):
            continue
        key = el.get("systemId") or el.get("name")
        if key:
            found[key] = shipped_folder() / el.get("uri", "")
    return found


class _CatalogResolver(etree.Resolver):
    def __init__(self, catalog: dict[str, Path]) -> None:
        super().__init__()
        self.catalog = catalog
        self.refused: list[str] = []

    def resolve(self, url: str, pubid: str | None, context: Any) -> Any:
        if url in self.catalog:
            return self.resolve_filename(str(self.catalog[url]), context)
        if url.startswith("file:") or url.startswith("/"):
            return None  # our own driver's relative lookups
        self.refused.append(url)
        return self.resolve_string('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
                                   context)


def _declared(root: etree._Element) -> list[tuple[str, str]]:
    words = (root.get(f"{{{XSI}}}schemaLocation") or "").split()
    return list(zip(words[::2], words[1::2], strict=True))


def validate_by_hints(data: bytes) -> list[str]:
    """Errors of ``data`` validated against the schemas its xsi:schemaLocation names."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    root = etree.fromstring(data, parser)
    imports = "".join(f'<xs:import namespace="{escape(ns)}" schemaLocation="{escape(loc)}"/>'
                      for ns, loc in _declared(root))
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    resolver = _CatalogResolver(_catalog())
    schema_parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema_parser.resolvers.add(resolver)
    schema = etree.XMLSchema(etree.fromstring(driver, schema_parser))
    assert resolver.refused == [], f"locations outside the catalog: {resolver.refused}"
    schema.validate(root)
    return [f"{e.line}: {e.message}" for e in schema.error_log]


def _with_template(site) -> None:
    """Give collection A an item template (DSpace packages it in the collection's AIP)."""
    with site.engine.begin() as conn:
        template = conn.execute(insert(T.item).values(in_archive=False, withdrawn=False)
                                ).inserted_primary_key[0]
        conn.execute(insert(T.metadatavalue).values(item_id=template, metadata_field_id=1,
                                                    text_value="Template contributor",
                                                    place=1))
        conn.execute(update(T.collection).where(T.collection.c.collection_id ==
                                                site.built.ids["colA"])
                     .values(template_item_id=template))


def test_every_manifest_validates_by_its_declared_schema_locations(lite_site) -> None:
    site = lite_site
    _with_template(site)
    folder = site.tmp / "aips"
    packages = export_site(site.engine, site.store, folder)
    assert len(packages) == 9
    seen: set[str] = set()
    for name in packages:
        with zipfile.ZipFile(folder / name) as z:
            data = z.read("mets.xml")
        root = etree.fromstring(data)
        declared = dict(_declared(root))
        seen |= set(declared)
        assert declared[METS] == "http://www.loc.gov/standards/mets/mets.xsd"
        used = {etree.QName(el).namespace for el in root.iter() if isinstance(el.tag, str)}
        for ns in (PREMIS, MODS, RIGHTS):  # every namespace used is declared, and only those
            assert (ns in declared) == (ns in used), (name, ns)
        assert validate_by_hints(data) == [], name
    assert {PREMIS, MODS, RIGHTS} <= seen
    # the check has teeth: a PREMIS file object without its compositionLevel is refused
    with zipfile.ZipFile(folder / next(n for n in packages if n.startswith("ITEM@"))) as z:
        data = z.read("mets.xml")
    root = etree.fromstring(data)
    level = next(root.iter(f"{{{PREMIS}}}compositionLevel"))
    level.getparent().remove(level)
    assert any("compositionLevel" in e or "fixity" in e
               for e in validate_by_hints(etree.tostring(root)))
    # and a manifest declaring the METS schema alone fails on xsi:type="premis:file", as the
    # issue saw: the declared locations are what makes the manifests checkable
    whole = etree.fromstring(data)
    whole.set(f"{{{XSI}}}schemaLocation", f"{METS} http://www.loc.gov/standards/mets/mets.xsd")
    assert any("premis:file" in e or "xsi:type" in e
               for e in validate_by_hints(etree.tostring(whole)))
