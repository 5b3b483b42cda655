"""``build_demo``: turn the plan of :mod:`archive.demo.tree` into a DSpace 1.5 archive.

Formats are assigned the way DSpace 1.5 did (``FormatIdentifier.guessFormat``): the lower-cased
text after the last dot of the name (the whole name when there is no dot, nothing after a
trailing dot) is looked up in ``fileextension``; no hit means Unknown, and only then may a
depositor's ``user_format_description`` stand. Media-filter output and licences get their format
by name ("Text", "JPEG", "License") as DSpace's own code did.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, func, select

from archive.assetstore import AssetStore
from archive.db import has_table, is_renovated, sync_sequences
from archive.demo.people import ensure_administrator, ensure_submitters
from archive.demo.tree import (
    WITHDRAWN,
    WORKSPACE,
    ContainerPlan,
    FileSpec,
    ItemPlan,
    plan_containers,
    plan_items,
)
from archive.demo.writer import AssetWriter, BulkWriter, ContentPool
from archive.init import HANDLE_PREFIX, dc_field_ids, init_archive
from archive.schema import BITSTREAM, BUNDLE, COLLECTION, COMMUNITY, ITEM, T15
from bsfcore.errors import DatabaseError
from bsfcore.progress import NO_PROGRESS, Progress

READ = 0  # org.dspace.core.Constants.READ
VARIANTS = 12  # distinct contents per kind
_EPOCH = datetime(2008, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class DemoSummary:
    """What :func:`build_demo` created (for the CLI, tests and the benchmark)."""

    communities: int = 0
    collections: int = 0
    items: int = 0
    withdrawn_items: int = 0
    workspace_items: int = 0
    bitstreams: int = 0
    deleted_bitstreams: int = 0
    missing_assets: int = 0
    unknown_format: int = 0
    user_format_descriptions: int = 0
    logos: int = 0
    metadata_values: int = 0
    asset_files: int = 0
    asset_bytes: int = 0
    kinds: set[str] = field(default_factory=set)
    seconds: float = 0.0

    def describe(self) -> str:
        rate = self.bitstreams / self.seconds if self.seconds else 0.0
        return (
            f"demo archive: {self.communities} communities, {self.collections} collections, "
            f"{self.items} items ({self.withdrawn_items} withdrawn, {self.workspace_items} "
            f"in-progress submissions), {self.bitstreams} bitstreams in {len(self.kinds)} "
            f"kinds of file ({self.unknown_format} Unknown, {self.user_format_descriptions} "
            f"with a user format description, {self.deleted_bitstreams} deleted, "
            f"{self.missing_assets} with a missing asset file), {self.logos} logos, "
            f"{self.metadata_values} metadata values; {self.asset_files} asset files, "
            f"{self.asset_bytes:,} bytes; {self.seconds:.1f} s ({rate:,.0f} bitstreams/s)")


def guess_format_15(name: str | None, extensions: dict[str, int]) -> int | None:
    """DSpace 1.5's ``FormatIdentifier.guessFormat`` on a bitstream name."""
    if not name:
        return None
    lowered = name.lower()
    extension = lowered.rsplit(".", 1)[1] if "." in lowered else lowered
    if not extension:
        return None
    return extensions.get(extension)


class _Builder:
    def __init__(self, conn: Connection, store: AssetStore, seed: int) -> None:
        self.conn = conn
        self.rng = random.Random(f"bsf-demo:{seed}:tree")
        self.out = BulkWriter(conn, T15)
        self.pool = ContentPool(seed, VARIANTS)
        self.assets = AssetWriter(store, seed)
        self.summary = DemoSummary()
        reg, fe = T15.bitstreamformatregistry, T15.fileextension
        self.by_name = dict(conn.execute(select(reg.c.short_description,
                                                reg.c.bitstream_format_id)).all())
        # DSpace takes the first row the LIKE query returns; extensions are unique in 1.5.
        self.extensions: dict[str, int] = {}
        for ext, format_id in conn.execute(select(fe.c.extension, fe.c.bitstream_format_id)
                                           .order_by(fe.c.file_extension_id)):
            self.extensions.setdefault(ext.lower(), format_id)
        self.unknown = self.by_name["Unknown"]
        self.fields = dc_field_ids(conn)
        self.next_handle = 1
        self.anonymous = 0

    # -- rows ---------------------------------------------------------------------------------

    def handle(self, resource_type: int, resource_id: int) -> str:
        handle = f"{HANDLE_PREFIX}/{self.next_handle}"
        self.next_handle += 1
        self.out.add("handle", {"handle_id": self.out.new_id("handle"), "handle": handle,
                                "resource_type_id": resource_type, "resource_id": resource_id})
        return handle

    def policy(self, resource_type: int, resource_id: int, eperson: int | None = None) -> None:
        self.out.add("resourcepolicy", {
            "policy_id": self.out.new_id("resourcepolicy"), "resource_type_id": resource_type,
            "resource_id": resource_id, "action_id": READ, "eperson_id": eperson,
            "epersongroup_id": None if eperson else self.anonymous,
            "start_date": None, "end_date": None})

    def bitstream(self, spec: FileSpec, sequence_id: int | None,
                  owner: int | None = None) -> int:
        bitstream_id = self.out.new_id("bitstream")
        content = self.pool.get(spec.kind, spec.variant)
        key = self.assets.new_key()
        if spec.format_rule == "guess":
            format_id = guess_format_15(spec.name, self.extensions) or self.unknown
        else:
            format_id = self.by_name[spec.format_rule]
        user_description = spec.user_format_description if format_id == self.unknown else None
        self.out.add("bitstream", {
            "bitstream_id": bitstream_id, "bitstream_format_id": format_id, "name": spec.name,
            "size_bytes": content.size, "checksum": content.md5, "checksum_algorithm": "MD5",
            "description": spec.description, "user_format_description": user_description,
            "source": spec.source or spec.name, "internal_id": key, "deleted": spec.deleted,
            "store_number": spec.store_number, "sequence_id": sequence_id})
        if spec.missing:
            self.summary.missing_assets += 1
        else:
            self.assets.write(key, content, spec.store_number)
        s = self.summary
        s.bitstreams += 1
        s.kinds.add(spec.kind)
        s.deleted_bitstreams += spec.deleted
        s.unknown_format += format_id == self.unknown
        s.user_format_descriptions += user_description is not None
        if not spec.deleted:
            self.policy(BITSTREAM, bitstream_id, owner)
        return bitstream_id

    def metadata(self, item_id: int, field_name: str, value: str, lang: str | None = None,
                 place: int = 1) -> None:
        self.out.add("metadatavalue", {
            "metadata_value_id": self.out.new_id("metadatavalue"), "item_id": item_id,
            "metadata_field_id": self.fields[field_name], "text_value": value,
            "text_lang": lang, "place": place})
        self.summary.metadata_values += 1

    # -- containers ---------------------------------------------------------------------------

    def containers(self, communities: list[ContainerPlan],
                   collections: list[ContainerPlan]) -> list[int]:
        community_ids: list[int] = []
        for plan in communities:
            community_id = self.out.new_id("community")
            logo = self.bitstream(plan.logo, None) if plan.logo else None
            self.summary.logos += logo is not None
            self.out.add("community", {
                "community_id": community_id, "name": plan.name,
                "short_description": plan.short_description, "introductory_text": "",
                "logo_bitstream_id": logo, "copyright_text": "", "side_bar_text": ""})
            if plan.parent is not None:
                self.out.add("community2community", {
                    "id": self.out.new_id("community2community"),
                    "parent_comm_id": community_ids[plan.parent],
                    "child_comm_id": community_id})
            self.handle(COMMUNITY, community_id)
            self.policy(COMMUNITY, community_id)
            community_ids.append(community_id)
        collection_ids: list[int] = []
        for plan in collections:
            collection_id = self.out.new_id("collection")
            logo = self.bitstream(plan.logo, None) if plan.logo else None
            self.summary.logos += logo is not None
            self.out.add("collection", {
                "collection_id": collection_id, "name": plan.name,
                "short_description": plan.short_description, "introductory_text": "",
                "logo_bitstream_id": logo, "provenance_description": "", "license": None,
                "copyright_text": "", "side_bar_text": ""})
            assert plan.parent is not None
            self.out.add("community2collection", {
                "id": self.out.new_id("community2collection"),
                "community_id": community_ids[plan.parent], "collection_id": collection_id})
            self.handle(COLLECTION, collection_id)
            self.policy(COLLECTION, collection_id)
            collection_ids.append(collection_id)
        self.summary.communities = len(communities)
        self.summary.collections = len(collections)
        return collection_ids

    # -- items --------------------------------------------------------------------------------

    def item(self, plan: ItemPlan, collection_ids: list[int], submitters: list[int]) -> None:
        item_id = self.out.new_id("item")
        collection_id = collection_ids[plan.collection]
        submitter = submitters[plan.submitter]
        when = _EPOCH + timedelta(minutes=37 * plan.index + self.rng.randrange(30))
        self.out.add("item", {
            "item_id": item_id, "submitter_id": submitter,
            "in_archive": plan.state not in (WITHDRAWN, WORKSPACE),
            "withdrawn": plan.state == WITHDRAWN, "last_modified": when,
            "owning_collection": None if plan.state == WORKSPACE else collection_id})
        self.summary.items += 1
        self.metadata(item_id, "dc.title", plan.title, "en_US")
        for place, author in enumerate(plan.authors, start=1):
            self.metadata(item_id, "dc.contributor.author", author, None, place)
        if plan.state == WORKSPACE:
            self.summary.workspace_items += 1
            self.out.add("workspaceitem", {
                "workspace_item_id": self.out.new_id("workspaceitem"), "item_id": item_id,
                "collection_id": collection_id, "multiple_titles": False,
                "published_before": True, "multiple_files": len(plan.files) > 1,
                "stage_reached": 2, "page_reached": 1})
        else:
            self.summary.withdrawn_items += plan.state == WITHDRAWN
            self.out.add("collection2item", {"id": self.out.new_id("collection2item"),
                                             "collection_id": collection_id,
                                             "item_id": item_id})
            handle = self.handle(ITEM, item_id)
            stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            self.metadata(item_id, "dc.date.accessioned", stamp)
            self.metadata(item_id, "dc.date.available", stamp)
            self.metadata(item_id, "dc.date.issued", plan.issued)
            self.metadata(item_id, "dc.identifier.uri", f"http://hdl.handle.net/{handle}")
            self.metadata(item_id, "dc.description.abstract", plan.abstract, "en_US")
            self.metadata(item_id, "dc.description.provenance",
                          f"Made available in DSpace on {stamp} (GMT).", "en")
            self.metadata(item_id, "dc.language.iso", plan.language, "en_US")
            self.metadata(item_id, "dc.type", plan.type, "en_US")
            for place, subject in enumerate(plan.subjects, start=1):
                self.metadata(item_id, "dc.subject", subject, "en_US", place)
            self.policy(ITEM, item_id)
        self._bundles(plan, item_id, submitter)

    def _bundles(self, plan: ItemPlan, item_id: int, submitter: int) -> None:
        bundles: dict[str, int] = {}
        sequence = 0
        for spec in plan.files:
            sequence += 1
            owner = submitter if plan.state == WORKSPACE else None
            bitstream_id = self.bitstream(spec, sequence, owner)
            if spec.deleted:
                continue  # removed from its bundle, row flagged deleted, file left for cleanup
            bundle_id = bundles.get(spec.bundle)
            if bundle_id is None:
                bundle_id = bundles[spec.bundle] = self.out.new_id("bundle")
                self.out.add("bundle", {"bundle_id": bundle_id, "name": spec.bundle,
                                        "primary_bitstream_id": None})
                self.out.add("item2bundle", {"id": self.out.new_id("item2bundle"),
                                             "item_id": item_id, "bundle_id": bundle_id})
                if plan.state != WORKSPACE:
                    self.policy(BUNDLE, bundle_id)
            self.out.add("bundle2bitstream", {"id": self.out.new_id("bundle2bitstream"),
                                              "bundle_id": bundle_id,
                                              "bitstream_id": bitstream_id})


def build_demo(engine: Engine, store: AssetStore, *, items: int, seed: int,
               progress: Progress = NO_PROGRESS) -> DemoSummary:
    """Build a demo DSpace 1.5 archive of ``items`` items (about 3 bitstreams each).

    An empty database is initialised first (:func:`archive.init.init_archive`). A database
    that already holds items is refused: the demo never mixes itself into real content.
    """
    if items < 1:
        raise ValueError("items must be at least 1")
    started = time.perf_counter()
    if has_table(engine, "bitstreamformatregistry") and is_renovated(engine):
        raise DatabaseError("the database holds a renovated archive; the demo builds a "
                            "DSpace 1.5 archive on an empty database")
    formats = existing = 0
    if has_table(engine, "item"):
        with engine.connect() as conn:
            formats = conn.execute(select(func.count()).select_from(
                T15.bitstreamformatregistry)).scalar_one()
            existing = conn.execute(select(func.count()).select_from(T15.item)).scalar_one()
    if existing:
        raise DatabaseError(f"the database already holds {existing} items; the demo archive "
                            "needs an empty database")
    if not formats:
        init_archive(engine)
    with engine.begin() as conn:
        builder = _Builder(conn, store, seed)
        try:
            submitters = ensure_submitters(conn)
            ensure_administrator(conn)
            communities, collections = plan_containers(builder.rng, items, VARIANTS)
            collection_ids = builder.containers(communities, collections)
            progress.start("building demo archive", total=items)
            done = 0
            for plan in plan_items(builder.rng, items, len(collections), len(submitters),
                                   VARIANTS):
                builder.item(plan, collection_ids, submitters)
                done += 1
                if done % 200 == 0:
                    progress.advance(200)
            builder.out.flush()
        finally:
            builder.assets.close()
        progress.advance(done % 200)
        progress.finish()
        sync_sequences(conn, T15.metadata)
    summary = builder.summary
    summary.asset_files = builder.assets.files
    summary.asset_bytes = builder.assets.bytes
    summary.seconds = time.perf_counter() - started
    return summary

