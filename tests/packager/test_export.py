"""Export: names, layout, determinism, options, schema validation with the official schemas."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import update

from archive.schema import T16
from bsfcore.errors import ConfigError, PackageError
from packager.export import export_aip
from packager.naming import package_name
from packager.xmlns import METS, PREMIS, XLINK
from packager.zipout import file_md5
from tests.packager.builder import ADMIN

NS = {"mets": METS, "premis": PREMIS, "xlink": XLINK}


def _mets(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("mets.xml"))


def test_package_names() -> None:
    assert package_name("ITEM", "123456789/200", 5) == "ITEM@123456789-200.zip"
    assert package_name("ITEM", None, 234) == "ITEM@internal-id-234.zip"
    assert package_name("SITE", "1/0", 0, manifest_only=True) == "SITE@1-0.xml"


def test_site_hierarchy_layout_and_validation(lite_site, settings) -> None:
    site = lite_site
    out = site.tmp / "aips"
    result = export_aip(site.engine, site.store, "123456789/0", out / "site.zip",
                        recursive=True, eperson=ADMIN, settings=settings)
    names = sorted(p.path.name for p in result.packages)
    assert "site.zip" in names
    assert f"ITEM@{site.built.handles['item0'].replace('/', '-')}.zip" in names
    assert f"ITEM@{site.built.handles['withdrawn'].replace('/', '-')}.zip" in names
    assert result.warnings == []  # schemas configured: validated, nothing skipped
    # the mapped item is exported once
    assert len(names) == len(set(names))
    item = out / f"ITEM@{site.built.handles['item1'].replace('/', '-')}.zip"
    with zipfile.ZipFile(item) as z:
        entries = z.namelist()
        assert entries[0] == "mets.xml"
        assert all("/" not in e for e in entries)
        assert any(e.startswith("bitstream_") and e.endswith(".pdf") for e in entries)
        assert {i.date_time for i in z.infolist()} == {(2020, 5, 17, 10, 30, 4)}
    root = _mets(item)
    assert root.get("TYPE") == "DSpace ITEM"
    assert root.get("OBJID") == f"hdl:{site.built.handles['item1']}"
    assert root.get("PROFILE") == "http://www.dspace.org/schema/aip/mets_aip_1_0.xsd"
    assert root.find("mets:metsHdr", NS).get("CREATEDATE") is None
    fmt = root.find(".//premis:format[premis:formatRegistry]", NS)
    registry = fmt.find("premis:formatRegistry", NS)
    assert registry.findtext("premis:formatRegistryName", namespaces=NS) == "PRONOM"
    assert registry.findtext("premis:formatRegistryKey", namespaces=NS) == "fmt/18"
    assert fmt.findtext("premis:formatDesignation/premis:formatName", namespaces=NS)
    event = root.find(".//premis:event", NS)
    assert event.findtext("premis:eventType", namespaces=NS) == "format identification"
    notes = [n.text for n in event.iter(f"{{{PREMIS}}}eventOutcomeDetailNote")]
    assert "confidence=POSITIVE_SPECIFIC" in notes
    # the identification date comes from the format-change history, else the fixed date
    assert {e.text for e in root.iter(f"{{{PREMIS}}}eventDateTime")} == {"2002-11-04T00:00:00Z"}
    item0 = _mets(out / f"ITEM@{site.built.handles['item0'].replace('/', '-')}.zip")
    dates = {e.text for e in item0.iter(f"{{{PREMIS}}}eventDateTime")}
    assert dates == {"2024-03-01T12:00:00.123456Z"}
    assert "source=org.dspace.content.format.DROIDIdentifier" in notes
    assert root.find(".//premis:agent/premis:agentName", NS).text.startswith("bsf ")
    site_root = _mets(out / "site.zip")
    roles = site_root.find(".//{*}mdWrap[@OTHERMDTYPE='DSPACE-ROLES']")
    assert {g.get("Name") for g in roles.iter("Group")} >= {"Anonymous", "Administrator",
                                                             "Editors"}
    # a collection AIP carries the groups it uses, with their people (DS-1105)
    col = _mets(out / f"COLLECTION@{site.built.handles['colB'].replace('/', '-')}.zip")
    groups = {g.get("Name"): g.get("Type") for g in col.iter("Group")}
    assert groups == {"Editors": "WORKFLOW_STEP_1"}
    assert {p.findtext("Email") for p in col.iter("Person")} == {"alice@example.org",
                                                                 "bob@example.org"}
    child_links = [m.get(f"{{{XLINK}}}href") for m in
                   _mets(out / "site.zip").iter(f"{{{METS}}}mptr")]
    assert f"COMMUNITY@{site.built.handles['top'].replace('/', '-')}.zip" in child_links


def test_reexport_is_byte_identical(site) -> None:
    first = export_aip(site.engine, site.store, "123456789/0", site.tmp / "a" / "s.zip",
                       recursive=True)
    second = export_aip(site.engine, site.store, "123456789/0", site.tmp / "b" / "s.zip",
                        recursive=True)
    assert [(p.path.name, p.md5) for p in first.packages] == \
        [(p.path.name, p.md5) for p in second.packages]
    assert all(p.md5 == file_md5(p.path) and p.size == p.path.stat().st_size
               for p in first.packages)
    with zipfile.ZipFile(first.packages[-1].path) as z:
        assert z.testzip() is None
    # a change to one item changes only that item's package
    item_id = site.built.ids["item1"]
    with site.engine.begin() as conn:
        conn.execute(update(T16.item).where(T16.item.c.item_id == item_id)
                     .values(last_modified=datetime(2021, 1, 1, tzinfo=UTC)))
    third = export_aip(site.engine, site.store, "123456789/0", site.tmp / "c" / "s.zip",
                       recursive=True)
    changed = {a.path.name for a, b in zip(first.packages, third.packages, strict=True)
               if a.md5 != b.md5}
    assert changed == {f"ITEM@{site.built.handles['item1'].replace('/', '-')}.zip"}


def test_bundle_filters_and_manifest_only(lite_site) -> None:
    site = lite_site
    handle = site.built.handles["item0"]
    r = export_aip(site.engine, site.store, handle, site.tmp / "f.zip",
                   options={"filterBundles": "LICENSE"})
    uses = {g.get("USE") for g in _mets(r.packages[0].path).iter(f"{{{METS}}}fileGrp")}
    assert uses == {"ORIGINAL"}
    r = export_aip(site.engine, site.store, handle, site.tmp / "g.zip",
                   options=["includeBundles=LICENSE"])
    uses = {g.get("USE") for g in _mets(r.packages[0].path).iter(f"{{{METS}}}fileGrp")}
    assert uses == {"LICENSE"}
    with pytest.raises(ConfigError, match="cannot be used together"):
        export_aip(site.engine, site.store, handle, site.tmp / "h.zip",
                   options=["includeBundles=LICENSE", "filterBundles=TEXT"])
    r = export_aip(site.engine, site.store, handle, site.tmp / "m.xml",
                   options=["manifestOnly=true"])
    assert etree.parse(str(r.packages[0].path)).getroot().tag == f"{{{METS}}}mets"


def test_unauthorized_and_updated_after(lite_site) -> None:
    site = lite_site
    handle = site.built.handles["item0"]
    with site.engine.begin() as conn:  # a reader with no rights but Anonymous
        conn.execute(T16.resourcepolicy.delete().where(T16.resourcepolicy.c.resource_type_id == 0))
    with pytest.raises(PackageError, match="not authorized"):
        export_aip(site.engine, site.store, handle, site.tmp / "u.zip", eperson="bob@example.org")
    r = export_aip(site.engine, site.store, handle, site.tmp / "s.zip",
                   eperson="bob@example.org", options=["unauthorized=skip"])
    assert not list(_mets(r.packages[0].path).iter(f"{{{METS}}}file"))
    r = export_aip(site.engine, site.store, handle, site.tmp / "z.zip",
                   eperson="bob@example.org", options=["unauthorized=zero"])
    sizes = {f.get("SIZE") for f in _mets(r.packages[0].path).iter(f"{{{METS}}}file")}
    assert sizes == {"0"}
    r = export_aip(site.engine, site.store, "123456789/0", site.tmp / "inc" / "s.zip",
                   recursive=True, options=["updatedAfter=2020-06-01T00:00:00Z"])
    assert not any(p.type_name == "ITEM" for p in r.packages)
    assert len(r.skipped) == 4


def test_items_in_several_collections_are_exported_once(lite_site) -> None:
    site = lite_site
    with site.engine.begin() as conn:  # item1 (owned by B, visited first) also in A
        conn.execute(T16.collection2item.insert().values(
            collection_id=site.built.ids["colA"], item_id=site.built.ids["item1"]))
    r = export_aip(site.engine, site.store, "123456789/0", site.tmp / "x" / "s.zip",
                   recursive=True)
    paths = [p.path for p in r.packages]
    assert len(paths) == len(set(paths)) == 9


def test_target_may_be_a_folder(lite_site) -> None:
    site = lite_site
    folder = site.tmp / "backup"
    folder.mkdir()
    r = export_aip(site.engine, site.store, "123456789/0", folder, recursive=True)
    assert (folder / "SITE@123456789-0.zip").is_file() and len(r.packages) == 9
    r = export_aip(site.engine, site.store, site.built.handles["item0"],
                   str(site.tmp / "new-folder") + "/")  # type: ignore[arg-type]
    assert r.packages[0].path.parent.name == "new-folder"


def test_unknown_handle_and_eperson(lite_site) -> None:
    site = lite_site
    with pytest.raises(PackageError, match="no object with handle"):
        export_aip(site.engine, site.store, "123456789/999", site.tmp / "x.zip")
    with pytest.raises(PackageError, match="EPerson nobody@x not found"):
        export_aip(site.engine, site.store, "123456789/0", site.tmp / "x.zip",
                   eperson="nobody@x")


def test_validation_uses_the_shipped_schemas_unless_configured(lite_site, tmp_path) -> None:
    from bsfcore.settings import load_settings
    from packager.validate import shipped_folder

    site = lite_site
    r = export_aip(site.engine, site.store, "123456789/0", site.tmp / "x" / "s.zip",
                   recursive=True, options=["validate=true"])
    assert len(r.packages) == 9 and r.warnings == []
    # mets.xsd.* keys replace the shipped set: one naming no METS schema cannot validate
    cfg = tmp_path / "premis-only.cfg"
    cfg.write_text(f"mets.xsd.premis = info:lc/xmlns/premis-v2 "
                   f"{shipped_folder() / 'premis-v2-2.xsd'}\n")
    with pytest.raises(ConfigError, match="no schema configured"):
        export_aip(site.engine, site.store, "123456789/0", site.tmp / "y.zip",
                   options=["validate=true"], settings=load_settings(cfg))
