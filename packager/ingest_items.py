"""Creating items on ingest (part of :class:`packager.ingest._Run`).

An item is created in its collection — or in the collection's approval workflow when it is
submitted to a collection with reviewers and ``-w`` is not given — and mapped into its other
collections. Submit mode adds what DSpace's ``InstallItem`` adds (accession dates, provenance,
a new deposit license). Whenever the item ends up with a handle other than the one its AIP
carries (submit, restore with ``ignoreHandle=true``), the ``dc.identifier.uri`` values naming
the old handle go and the new handle's URI (``handle.canonical.prefix`` + handle, DSpace's
canonical form) is added: an old URI would now point at another object. A restored item whose
submitter the archive lacks gets one created when ``createSubmitter`` is on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from archive.schema import COLLECTION, ITEM, T16
from bsfcore.runtime import now
from packager.aipconfig import IngestCrosswalks
from packager.authorization import Authority
from packager.model import ArchiveObject, BundleRec, MetadataValue, iso
from packager.options import Mode, PackagerOptions
from packager.refs import ObjRef
from packager.safezip import Package
from packager.workflow import first_step, start_workflow
from packager.writing import ArchiveWriter

T = T16
DEFAULT_LICENSE = ("By submitting this item you grant the repository the non-exclusive right to "
                   "reproduce, translate and distribute it.")
CANONICAL_PREFIX = "http://hdl.handle.net/"
_RESOLVERS = ("hdl:", "info:hdl/")


def names_handle(value: str, handle: str) -> bool:
    """Whether a ``dc.identifier.uri`` value is a form of ``handle`` (canonical URL, any
    resolver URL ending in it, ``hdl:``, ``info:hdl/``)."""
    text = value.strip().rstrip("/")
    if text == handle or any(text == p + handle for p in _RESOLVERS):
        return True
    return "://" in text and text.endswith("/" + handle)


def rewrite_handle_uri(values: list[MetadataValue], old: str | None, new: str | None,
                       prefix: str) -> list[MetadataValue]:
    """Drop ``dc.identifier.uri`` values naming ``old``; add ``new``'s canonical URI."""
    kept = [v for v in values if not (old and v.schema == "dc" and v.element == "identifier"
                                      and v.qualifier == "uri" and names_handle(v.value, old))]
    if new:
        uri = prefix + new
        if not any(v.field_name == "dc.identifier.uri" and v.value == uri for v in kept):
            kept.append(MetadataValue("dc", "identifier", "uri", uri))
    return kept


class ItemIngest:
    """Mixin of the ingest run: item creation, submission extras, mappings."""

    conn: Connection
    w: ArchiveWriter
    opts: PackagerOptions
    mode: Mode
    authority: Authority
    crosswalks: IngestCrosswalks
    canonical_prefix: str
    eperson: str
    eperson_id: int
    skip_workflow: bool
    pending: dict[str, list[int]]

    # provided by the run
    def _collection_row(self, collection_id: int) -> Any:
        raise NotImplementedError

    def _new_handle(self, obj: ArchiveObject) -> str:
        raise NotImplementedError

    def _missing_parent(self, handle: str, what: str) -> None:
        raise NotImplementedError

    def _resolve(self, handle: str | None) -> ObjRef | None:
        raise NotImplementedError

    def _report(self, kind: str, type_name: str, handle: str) -> None:
        raise NotImplementedError

    # -- items -----------------------------------------------------------------------------

    def submitter_of(self, obj: ArchiveObject) -> int | None:
        """The restored item's submitter; created when missing and createSubmitter is on."""
        found = self.w.eperson_id(obj.submitter)
        if found is None and obj.submitter and self.crosswalks.create_submitter:
            self.authority.people_guard("e-person", obj.submitter)
            found = self.w.ensure_person(obj.submitter)
        return found

    def create_item(self, obj: ArchiveObject, pkg: Package, collection: ObjRef) -> str | None:
        col = self._collection_row(collection.id)
        submit = self.mode is Mode.SUBMIT
        step = first_step(col) if submit and not self.skip_workflow else None
        submitter = self.eperson_id if submit else self.submitter_of(obj)
        if obj.submitter and submitter is None and not submit:
            self.w.warnings.append(f"ITEM {obj.handle}: submitter {obj.submitter} is not in "
                                   "the archive; restored without submitter (set "
                                   "mets.dspaceAIP.ingest.createSubmitter = true to create it)")
        installed = step is None
        item_id = self.w.insert_row(T.item, {
            "submitter_id": submitter, "in_archive": installed and not obj.withdrawn,
            "withdrawn": obj.withdrawn and installed,
            "last_modified": now(whole_seconds=True) if submit else obj.last_modified,
            "owning_collection": collection.id if installed else None,
        }, None if submit else (obj.id or None))
        values = list(obj.metadata)
        if submit:
            values, obj.bundles = self._submission_extras(obj, col, values, installed)
        handle = self._new_handle(obj) if installed else None
        if handle != obj.handle:
            values = rewrite_handle_uri(values, obj.handle, handle, self.canonical_prefix)
        self.w.write_item_content(item_id, obj, pkg, values)
        if not installed:
            self.w.flush()
            wf = start_workflow(self.conn, item_id, collection.id, step)  # type: ignore[arg-type]
            self._report("workflow", "ITEM", f"workflowitem {wf}")
            return None
        assert handle is not None
        self.w.bind_handle(handle, ITEM, item_id, batch=True)
        self.w.map_item(item_id, collection.id, fresh=True)
        self.item_mappings(obj, item_id)
        self._report("created", "ITEM", handle)
        return handle

    def map_checked(self, item_id: int, ref: ObjRef, what: str) -> None:
        """Map an item into a collection the e-person administers."""
        self.authority.require_admin(ref, f"map {what} into COLLECTION {ref.handle}")
        self.w.map_item(item_id, ref.id)

    def item_mappings(self, obj: ArchiveObject, item_id: int) -> None:
        for other in obj.other_parents:
            ref = self._resolve(other)
            if ref is None or ref.type_id != COLLECTION:
                self._missing_parent(other, f"mapping of ITEM {obj.handle}")
                self.pending.setdefault(other, []).append(item_id)
                continue
            self.map_checked(item_id, ref, f"ITEM {obj.handle}")

    def _submission_extras(self, obj: ArchiveObject, col: object, values: list[MetadataValue],
                           installed: bool) -> tuple[list[MetadataValue], list[BundleRec]]:
        """Submit mode adds system metadata and a new deposit license, as DSpace does."""
        stamp = iso(now(whole_seconds=True))
        values = [v for v in values if not (v.schema == "dc" and v.element == "date"
                                            and v.qualifier in ("accessioned", "available"))]
        if installed:
            values += [MetadataValue("dc", "date", "accessioned", stamp),
                       MetadataValue("dc", "date", "available", stamp)]
        values.append(MetadataValue(
            "dc", "description", "provenance",
            f"Submitted by {self.eperson} using bsf packager (AIP of "
            f"{obj.handle or 'no handle'}) on {stamp}", "en"))
        bundles = [b for b in obj.bundles if b.name != "LICENSE"]
        return values, [*bundles, self._license_bundle(col)]

    def _license_bundle(self, col: object) -> BundleRec:
        from packager.model import BitstreamRec, FormatInfo

        text = (getattr(col, "license", None) or DEFAULT_LICENSE).encode("utf-8")
        asset = self.w.store.write_bytes(text)
        bit = BitstreamRec(id=0, name="license.txt", size=asset.size, checksum=asset.md5,
                           sequence_id=None, source="Written by bsf packager",
                           format=FormatInfo(short_description="License", mimetype="text/plain",
                                             description="Item-specific license agreed upon "
                                             "to submission", support_level=1, internal=True))
        bit.internal_id = asset.internal_id
        return BundleRec(name="LICENSE", bitstreams=[bit])

    def replace_item(self, existing: ObjRef, obj: ArchiveObject, pkg: Package) -> None:
        """Empty the item and refill it from the AIP in place (id, handle, owner kept)."""
        from sqlalchemy import update

        owner = self.conn.execute(select(T.item.c.owning_collection).where(
            T.item.c.item_id == existing.id)).scalar()
        self.w.clear_item(existing.id)
        self.conn.execute(update(T.item).where(T.item.c.item_id == existing.id).values(
            submitter_id=self.submitter_of(obj), in_archive=not obj.withdrawn,
            withdrawn=obj.withdrawn, last_modified=obj.last_modified))
        values = list(obj.metadata)
        if existing.handle != obj.handle:
            values = rewrite_handle_uri(values, obj.handle, existing.handle,
                                        self.canonical_prefix)
        self.w.write_item_content(existing.id, obj, pkg, values)
        if owner is not None:
            self.w.map_item(existing.id, int(owner))
        self.item_mappings(obj, existing.id)


__all__ = ["CANONICAL_PREFIX", "ItemIngest", "names_handle", "rewrite_handle_uri"]
