"""The seeds' behaviour the first AIP implementation missed (issue 17, items 4-10)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import delete, insert, select, text, update

from archive.schema import T16
from bsfcore.errors import ConfigError, PackageError
from bsfcore.settings import load_settings
from packager.aipconfig import dissemination, ingest_crosswalks
from packager.export import export_aip
from packager.ingest import ingest_aip
from packager.options import Mode
from packager.xmlns import DIM, METS, PREMIS, XLINK
from tests.packager.builder import ADMIN, store_at
from tests.packager.ingest_helpers import SITE, export_site, target_archive

T = T16
SKIP = ["skipIfParentMissing=true"]


def _pkg(folder: Path, type_name: str, handle: str) -> Path:
    return folder / f"{type_name}@{handle.replace('/', '-')}.zip"


def _mets(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("mets.xml"))


def _uris(engine, handle: str) -> list[str]:
    with engine.connect() as conn:
        item_id = conn.execute(select(T.handle.c.resource_id)
                               .where(T.handle.c.handle == handle)).scalar()
        return sorted(conn.execute(
            select(T.metadatavalue.c.text_value)
            .join(T.metadatafieldregistry, T.metadatafieldregistry.c.metadata_field_id
                  == T.metadatavalue.c.metadata_field_id)
            .where(T.metadatavalue.c.item_id == item_id,
                   T.metadatafieldregistry.c.element == "identifier",
                   T.metadatafieldregistry.c.qualifier == "uri")).scalars())


# -- 5: ignoreHandle and dc.identifier.uri ----------------------------------------------------

def test_replace_with_ignore_handle_replaces_and_new_handles_get_their_uri(site) -> None:
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    h = site.built.handles
    item = _pkg(folder, "ITEM", h["item1"])
    with site.engine.connect() as conn:
        items_before = len(conn.execute(select(T.item.c.item_id)).all())
    result = ingest_aip(site.engine, site.store, item, mode=Mode.REPLACE, eperson=ADMIN,
                        options=["ignoreHandle=true"])
    assert result.replaced == [("ITEM", h["item1"])] and result.created == []
    with site.engine.connect() as conn:
        assert len(conn.execute(select(T.item.c.item_id)).all()) == items_before
    assert _uris(site.engine, h["item1"]) == [f"http://hdl.handle.net/{h['item1']}"]
    # submit: a new handle, and the URI names it, not the old object
    made = ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=h["colA"],
                      eperson=ADMIN)
    (_, new), = made.created
    assert new != h["item1"] and _uris(site.engine, new) == [f"http://hdl.handle.net/{new}"]
    # restore with ignoreHandle=true: the same
    made = ingest_aip(site.engine, site.store, item, mode=Mode.RESTORE, eperson=ADMIN,
                      options=["ignoreHandle=true"])
    (_, other), = made.created
    assert other not in (new, h["item1"])
    assert _uris(site.engine, other) == [f"http://hdl.handle.net/{other}"]


# -- 6: configuration keys that act as documented ---------------------------------------------

def test_ingest_crosswalk_nil_and_create_submitter(site, tmp_path, request) -> None:
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    cfg = tmp_path / "nil.cfg"
    cfg.write_text("mets.dspaceAIP.ingest.crosswalk.DSPACE-ROLES = NIL\n"
                   "mets.dspaceAIP.ingest.crosswalk.METSRIGHTS = NIL\n"
                   "mets.dspaceAIP.ingest.createSubmitter = true\n")
    settings = load_settings(cfg)
    with target_archive(site.engine, tmp_path, request) as target:
        with target.connect() as conn:
            policies_before = len(conn.execute(select(T.resourcepolicy.c.policy_id)).all())
        ingest_aip(target, store_at(tmp_path / "s2"), folder / "SITE@123456789-0.zip",
                   mode=Mode.REPLACE, recursive=True, eperson=ADMIN, options=SKIP,
                   settings=settings)
        with target.connect() as conn:
            groups = set(conn.execute(select(T.epersongroup.c.name)).scalars())
            people = {r.email: r for r in conn.execute(select(T.eperson))}
            policies = len(conn.execute(select(T.resourcepolicy.c.policy_id)).all())
            roles = conn.execute(select(T.collection.c.submitter, T.collection.c.workflow_step_1)
                                 ).all()
        assert groups == {"Anonymous", "Administrator"}  # no group of the AIPs
        assert policies == policies_before  # no policy of the AIPs
        assert all(r == (None, None) for r in roles)
        # the items' submitters were created (unable to log in), not the other people
        assert {"alice@example.org", "bob@example.org"} <= set(people)
        assert people["alice@example.org"].can_log_in is False
        assert people["alice@example.org"].password is None
    # without createSubmitter the submitter is left out, with a warning saying how
    cfg.write_text("mets.dspaceAIP.ingest.crosswalk.DSPACE-ROLES = NIL\n")
    (tmp_path / "b").mkdir()
    with target_archive(site.engine, tmp_path / "b", request) as target:
        result = ingest_aip(target, store_at(tmp_path / "s3"), folder / "SITE@123456789-0.zip",
                            mode=Mode.REPLACE, recursive=True, eperson=ADMIN, options=SKIP,
                            settings=load_settings(cfg))
        assert any("createSubmitter = true" in w for w in result.warnings)


def test_dissemination_settings_choose_the_sections(lite_site, tmp_path) -> None:
    site = lite_site
    handle = site.built.handles["item0"]
    default = _mets(export_aip(site.engine, site.store, handle, tmp_path / "d.zip",
                               use_registries=False).packages[0].path)
    ref = default.find(f".//{{{METS}}}rightsMD/{{{METS}}}mdRef")
    assert ref is not None and ref.get("OTHERMDTYPE") == "DSpaceDepositLicense"
    assert ref.get(f"{{{XLINK}}}href") in {f.get(f"{{{XLINK}}}href") for f in
                                           default.iter(f"{{{METS}}}FLocat")}
    cfg = tmp_path / "dis.cfg"
    cfg.write_text("aip.disseminate.dmd = DIM\naip.disseminate.techMD = DSPACE-ROLES\n"
                   "aip.disseminate.rightsMD = METSRights\n")
    root = _mets(export_aip(site.engine, site.store, handle, tmp_path / "c.zip",
                            use_registries=False, settings=load_settings(cfg)).packages[0].path)
    dmd = [w.get("MDTYPE") + "/" + (w.get("OTHERMDTYPE") or "")
           for w in root.iter(f"{{{METS}}}mdWrap") if w.getparent().tag == f"{{{METS}}}dmdSec"]
    assert dmd == ["OTHER/DIM"]
    assert not list(root.iter(f"{{{PREMIS}}}premis"))
    assert root.find(f".//{{{METS}}}mdRef") is None
    # and such an AIP still restores (DIM carries the metadata)
    result = ingest_aip(site.engine, site.store, tmp_path / "c.zip", mode=Mode.SUBMIT,
                        parent=site.built.handles["colA"], eperson=ADMIN)
    assert [t for t, _ in result.created] == ["ITEM"]
    for text_, message in (("aip.disseminate.dmd = MARC\n", "no crosswalk 'MARC'"),
                           ("aip.disseminate.bogus = DIM\n", "unknown AIP setting"),
                           ("mets.dspaceAIP.ingest.crosswalk.DIM = FOO\n", "no ingest crosswalk"),
                           ("mets.dspaceAIP.ingest.crosswalk.DSpaceDepositLicense = DIM\n",
                            "can only be skipped"),
                           ("mets.dspaceAIP.ingest.createSubmitter = maybe\n", "true or false"),
                           ("mets.dspaceAIP.ingest.bogus = 1\n", "unknown AIP ingest setting")):
        cfg.write_text(text_)
        with pytest.raises(ConfigError, match=message) as err:
            settings = load_settings(cfg)
            dissemination(settings)
            ingest_crosswalks(settings)
        assert f"{cfg}:1:" in str(err.value)  # file and line named


# -- 7: a stale sequence is one line naming update-sequences -----------------------------------

def test_stale_sequence_is_one_line_naming_update_sequences(site) -> None:
    if site.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no sequences: ids come from the row id")
    from typer.testing import CliRunner

    from bsf.main import app

    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    with site.engine.begin() as conn:  # rows loaded by other means left item_seq behind
        conn.execute(text("SELECT setval('item_seq', 1, true)"))
    url = site.engine.url.render_as_string(hide_password=False)
    args = ["--db", url, "--assetstore", str(site.tmp / "store"), "packager", "-s", "-w", "-t",
            "AIP", "-e", ADMIN, "-p", site.built.handles["colA"],
            str(_pkg(folder, "ITEM", site.built.handles["item0"]))]
    res = CliRunner().invoke(app, args)
    assert isinstance(res.exception, PackageError)
    message = str(res.exception)
    assert "\n" not in message and "bsf archive update-sequences" in message
    assert "item_pkey" in message and "nothing was written" in message
    fixed = CliRunner().invoke(app, ["--db", url, "archive", "update-sequences"])
    assert fixed.exit_code == 0 and "item_seq\t" in fixed.stdout
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output


# -- 9: item templates, repeated -p -----------------------------------------------------------

def test_item_templates_are_packaged_and_restored(site, tmp_path, request) -> None:
    with site.engine.begin() as conn:
        template = conn.execute(insert(T.item).values(in_archive=False, withdrawn=False)
                                ).inserted_primary_key[0]
        conn.execute(insert(T.metadatavalue), [
            {"item_id": template, "metadata_field_id": 1, "text_value": "Template author",
             "place": 1},
            {"item_id": template, "metadata_field_id": 1, "text_value": "Second", "place": 2}])
        conn.execute(update(T.collection).where(T.collection.c.collection_id ==
                                                site.built.ids["colA"])
                     .values(template_item_id=template))
    folder = site.tmp / "aips"
    before = export_site(site.engine, site.store, folder)
    col = _mets(_pkg(folder, "COLLECTION", site.built.handles["colA"]))
    div = next(d for d in col.iter(f"{{{METS}}}div") if d.get("TYPE") == "DSpace ITEM Template")
    fields = [f.text for sec_id in div.get("DMDID").split()
              for sec in col.iter(f"{{{METS}}}dmdSec") if sec.get("ID") == sec_id
              for f in sec.iter(f"{{{DIM}}}field")]
    assert fields == ["Template author", "Second"]
    with target_archive(site.engine, tmp_path, request) as target:
        store = store_at(tmp_path / "s2")
        ingest_aip(target, store, folder / "SITE@123456789-0.zip", mode=Mode.REPLACE,
                   recursive=True, eperson=ADMIN, options=SKIP)
        with target.connect() as conn:
            tid = conn.execute(select(T.collection.c.template_item_id).where(
                T.collection.c.collection_id == site.built.ids["colA"])).scalar()
            values = conn.execute(select(T.metadatavalue.c.text_value).where(
                T.metadatavalue.c.item_id == tid).order_by(T.metadatavalue.c.place)).scalars()
            assert list(values) == ["Template author", "Second"]
            assert conn.execute(select(T.item.c.in_archive).where(T.item.c.item_id == tid)
                                ).scalar() is False
        assert export_site(target, store, tmp_path / "again") == before
        # replacing the collection replaces the template (the old one goes, no orphan stays)
        with target.begin() as conn:
            conn.execute(delete(T.metadatavalue).where(T.metadatavalue.c.item_id == tid))
            unarchived = len(conn.execute(select(T.item.c.item_id).where(
                T.item.c.in_archive.is_(False))).all())
        ingest_aip(target, store, _pkg(folder, "COLLECTION", site.built.handles["colA"]),
                   mode=Mode.REPLACE, eperson=ADMIN)
        with target.connect() as conn:
            new = conn.execute(select(T.collection.c.template_item_id).where(
                T.collection.c.collection_id == site.built.ids["colA"])).scalar()
            values = conn.execute(select(T.metadatavalue.c.text_value).where(
                T.metadatavalue.c.item_id == new).order_by(T.metadatavalue.c.place)).scalars()
            assert list(values) == ["Template author", "Second"]
            assert len(conn.execute(select(T.item.c.item_id).where(
                T.item.c.in_archive.is_(False))).all()) == unarchived


def test_parent_may_be_repeated(site) -> None:
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    h, ids = site.built.handles, site.built.ids
    result = ingest_aip(site.engine, site.store, _pkg(folder, "ITEM", h["item2"]),
                        mode=Mode.SUBMIT, parent=[h["colB"], h["colA"]], eperson=ADMIN,
                        skip_workflow=True)
    (_, handle), = result.created
    with site.engine.connect() as conn:
        item_id = conn.execute(select(T.handle.c.resource_id)
                               .where(T.handle.c.handle == handle)).scalar()
        owner = conn.execute(select(T.item.c.owning_collection)
                             .where(T.item.c.item_id == item_id)).scalar()
        cols = set(conn.execute(select(T.collection2item.c.collection_id)
                                .where(T.collection2item.c.item_id == item_id)).scalars())
    assert owner == ids["colB"] and cols == {ids["colA"], ids["colB"]}
    with pytest.raises(PackageError, match="cannot also go under"):
        ingest_aip(site.engine, site.store, _pkg(folder, "ITEM", h["item2"]),
                   mode=Mode.SUBMIT, parent=[h["colB"], h["top"]], eperson=ADMIN,
                   skip_workflow=True)


# -- 10: file modes, entry names ----------------------------------------------------------------

def test_aip_files_follow_the_umask(lite_site, tmp_path) -> None:
    site = lite_site
    old = os.umask(0o027)
    try:
        r = export_aip(site.engine, site.store, SITE, tmp_path / "m" / "S.zip", recursive=True)
        modes = {p.path.stat().st_mode & 0o777 for p in r.packages}
        assert modes == {0o640}
    finally:
        os.umask(old)
        r = export_aip(site.engine, site.store, site.built.handles["item0"], tmp_path / "i.zip")
    assert r.packages[0].path.stat().st_mode & 0o777 == 0o666 & ~old


def test_entries_take_the_extension_the_registry_gives(lite_site, tmp_path) -> None:
    site = lite_site
    with site.engine.begin() as conn:  # the renovated cache keeps no extensions of its own
        conn.execute(delete(T.fileextension))
    handle = site.built.handles["item0"]
    bare = export_aip(site.engine, site.store, handle, tmp_path / "b.zip", use_registries=False)
    with zipfile.ZipFile(bare.packages[0].path) as z:
        assert any(n.startswith("bitstream_") and "." not in n for n in z.namelist())
    named = export_aip(site.engine, site.store, handle, tmp_path / "n.zip")  # PRONOM: fmt/18
    with zipfile.ZipFile(named.packages[0].path) as z:
        pdfs = [n for n in z.namelist() if n.endswith(".pdf")]
    assert pdfs and all(n.startswith("bitstream_") for n in pdfs)
    # the manifest and the zip agree (FLocat = entry name)
    hrefs = {f.get(f"{{{XLINK}}}href") for f in _mets(named.packages[0].path)
             .iter(f"{{{METS}}}FLocat")}
    assert set(pdfs) <= hrefs
