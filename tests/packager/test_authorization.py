"""Who may ingest: administrators of the target only; everyone else is refused, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from archive.schema import COLLECTION, COMMUNITY, T16
from packager.authorization import AuthorizationError
from packager.export import export_aip
from packager.ingest import ingest_aip
from packager.options import Mode
from tests.packager.builder import ADMIN
from tests.packager.ingest_helpers import SITE, export_site, snapshot

T = T16
DEPOSITOR = "alice@example.org"  # member of colA's submitters (and of Editors)
ADMIN_ACTION = 11


def _person(engine, email: str) -> int:
    with engine.begin() as conn:
        return int(conn.execute(insert(T.eperson).values(email=email, can_log_in=True))
                   .inserted_primary_key[0])


def _admin_policy(engine, type_id: int, object_id: int, eperson: int) -> None:
    with engine.begin() as conn:
        conn.execute(insert(T.resourcepolicy).values(resource_type_id=type_id,
                                                     resource_id=object_id,
                                                     action_id=ADMIN_ACTION, eperson_id=eperson))


def _pkg(folder, type_name: str, handle: str):
    return folder / f"{type_name}@{handle.replace('/', '-')}.zip"


def test_a_depositor_is_refused_every_ingest_and_the_password_hashes(site) -> None:
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    h = site.built.handles
    before = snapshot(site.engine, site.tmp / "store")
    item = _pkg(folder, "ITEM", h["item0"])
    with pytest.raises(AuthorizationError, match=rf"{DEPOSITOR} may not create ITEM .* in "
                       rf"COLLECTION {h['colA']}: that needs an administrator of COLLECTION "
                       rf"{h['colA']}.*nothing was written"):
        ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=h["colA"],
                   eperson=DEPOSITOR)
    with pytest.raises(AuthorizationError, match="may not replace ITEM"):
        ingest_aip(site.engine, site.store, item, mode=Mode.REPLACE, eperson=DEPOSITOR)
    with pytest.raises(AuthorizationError, match=r"may not restore the SITE AIP.*site "
                       r"administrator"):
        ingest_aip(site.engine, site.store, folder / "SITE@123456789-0.zip", mode=Mode.REPLACE,
                   recursive=True, eperson=DEPOSITOR, options=["skipIfParentMissing=true"])
    assert snapshot(site.engine, site.tmp / "store") == before
    # -o passwords: a site administrator only; nothing is written for anyone else
    with pytest.raises(AuthorizationError, match="may not export password hashes"):
        export_aip(site.engine, site.store, SITE, site.tmp / "pw" / "SITE.zip",
                   eperson=DEPOSITOR, options=["passwords=true"])
    assert not (site.tmp / "pw").exists()
    done = export_aip(site.engine, site.store, SITE, site.tmp / "pw" / "SITE.zip",
                      eperson=ADMIN, options=["passwords=true"])
    assert b"PasswordHash" in _manifest(done.packages[0].path)


def _manifest(path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("mets.xml")


def test_collection_and_community_administrators(site) -> None:
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    h, ids = site.built.handles, site.built.ids
    item = _pkg(folder, "ITEM", h["item0"])
    # an ADMIN policy on collection B: may submit there, not into collection A
    curator = _person(site.engine, "curator@example.org")
    _admin_policy(site.engine, COLLECTION, ids["colB"], curator)
    made = ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=h["colB"],
                      eperson="curator@example.org", skip_workflow=True)
    assert [t for t, _ in made.created] == ["ITEM"]
    with pytest.raises(AuthorizationError, match=f"administrator of COLLECTION {h['colA']}"):
        ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=h["colA"],
                   eperson="curator@example.org")
    # -p twice: the second parent needs the right as well
    with pytest.raises(AuthorizationError, match=f"add ITEM .* to COLLECTION {h['colA']}"):
        ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT,
                   parent=[h["colB"], h["colA"]], eperson="curator@example.org",
                   skip_workflow=True)
    # an ADMIN policy on the top community reaches every collection below it
    manager = _person(site.engine, "manager@example.org")
    _admin_policy(site.engine, COMMUNITY, ids["top"], manager)
    for col in ("colA", "colB"):
        made = ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=h[col],
                          eperson="manager@example.org", skip_workflow=True)
        assert [t for t, _ in made.created] == ["ITEM"]
    # ...but creating groups and people needs a site administrator (DSpace's Group.create)
    before = snapshot(site.engine, site.tmp / "store")
    with pytest.raises(AuthorizationError, match=r"may not create or overwrite group "
                       r"COLLECTION_.*_SUBMIT: that needs a site administrator"):
        ingest_aip(site.engine, site.store, _pkg(folder, "COLLECTION", h["colA"]),
                   mode=Mode.SUBMIT, parent=h["top"], eperson="manager@example.org")
    assert snapshot(site.engine, site.tmp / "store") == before
    with site.engine.connect() as conn:
        submitters = conn.execute(select(T.epersongroup.c.name)
                                  .where(T.epersongroup.c.name.like("COLLECTION_%"))).all()
    assert len(submitters) == 1
    # and a new top-level community needs a site administrator
    with pytest.raises(AuthorizationError, match=r"may not create COMMUNITY .* in SITE"):
        ingest_aip(site.engine, site.store, _pkg(folder, "COMMUNITY", h["sub"]),
                   mode=Mode.SUBMIT, parent=SITE, eperson="manager@example.org")
