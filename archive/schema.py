"""SQLAlchemy Core tables with DSpace 1.5's real table and column names.

Two views of the same database:

* :data:`T15` / :data:`META15` — the stock DSpace 1.5 schema, as an operator's database has it
  before ``Upgrade15To16 -0``.
* :data:`T16` / :data:`META16` — the renovated model phase 0 produces: ``bitstream`` gains the
  format confidence, source, basis and warning columns; formats gain external identifiers
  (table ``externalidentifier``); the 1.5 format data is preserved in ``bsf15_*`` tables until
  phase 3 removes them.

Ids come from sequences named ``<table>_seq`` as in DSpace (on SQLite the row id does the job),
so bsf writes into a real DSpace PostgreSQL database without upsetting DSpace's own id
allocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Sequence,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)


def _id(table: str, column: str) -> Column[int]:
    return Column(column, Integer, Sequence(f"{table}_seq"), primary_key=True)


@dataclass(frozen=True)
class Tables:
    """The tables of one schema view, by DSpace table name."""

    metadata: MetaData
    bitstreamformatregistry: Table
    fileextension: Table
    bitstream: Table
    bundle: Table
    item: Table
    item2bundle: Table
    bundle2bitstream: Table
    community: Table
    collection: Table
    community2community: Table
    community2collection: Table
    collection2item: Table
    handle: Table
    metadataschemaregistry: Table
    metadatafieldregistry: Table
    metadatavalue: Table
    eperson: Table
    epersongroup: Table
    epersongroup2eperson: Table
    resourcepolicy: Table
    workspaceitem: Table
    # renovated model only (None in T15)
    externalidentifier: Table | None = None
    bsf15_bitstreamformatregistry: Table | None = None
    bsf15_fileextension: Table | None = None
    bsf15_bitstreamformat: Table | None = None


def _define(metadata: MetaData, renovated: bool) -> Tables:
    registry = Table(
        "bitstreamformatregistry", metadata,
        _id("bitstreamformatregistry", "bitstream_format_id"),
        Column("mimetype", String(256)),
        Column("short_description", String(128), unique=not renovated),
        Column("description", Text),
        Column("support_level", Integer),
        Column("internal", Boolean),
    )
    fileextension = Table(
        "fileextension", metadata,
        _id("fileextension", "file_extension_id"),
        Column("bitstream_format_id", Integer,
               ForeignKey("bitstreamformatregistry.bitstream_format_id")),
        Column("extension", String(16)),
        Index("fe_bitstream_fk_idx", "bitstream_format_id"),
    )
    bitstream_columns: list[Column[Any]] = [
        _id("bitstream", "bitstream_id"),
        Column("bitstream_format_id", Integer,
               ForeignKey("bitstreamformatregistry.bitstream_format_id")),
        Column("name", String(256)),
        Column("size_bytes", BigInteger),
        Column("checksum", String(64)),
        Column("checksum_algorithm", String(32)),
        Column("description", Text),
        Column("user_format_description", Text),
        Column("source", String(256)),
        Column("internal_id", String(256)),
        Column("deleted", Boolean),
        Column("store_number", Integer),
        Column("sequence_id", Integer),
    ]
    if renovated:
        bitstream_columns += [
            # Confidence as formats.model.Confidence's integer value (0 UNIDENTIFIED .. 5 MANUAL).
            Column("format_confidence", SmallInteger),
            Column("format_source", String(256)),
            Column("format_basis", Text),
            Column("format_warning", Text),
        ]
    bitstream = Table("bitstream", metadata, *bitstream_columns,
                      Index("bit_bitstream_fk_idx", "bitstream_format_id"))
    eperson = Table(
        "eperson", metadata,
        _id("eperson", "eperson_id"),
        Column("email", String(64), unique=True),
        Column("password", String(64)),
        Column("firstname", String(64)),
        Column("lastname", String(64)),
        Column("can_log_in", Boolean),
        Column("require_certificate", Boolean),
        Column("self_registered", Boolean),
        Column("last_active", DateTime(timezone=True)),
        Column("sub_frequency", Integer),
        Column("phone", String(32)),
        Column("netid", String(64), unique=True),
        Column("language", String(64)),
    )
    epersongroup = Table(
        "epersongroup", metadata,
        _id("epersongroup", "eperson_group_id"),
        Column("name", String(256), unique=True),
    )
    epersongroup2eperson = Table(
        "epersongroup2eperson", metadata,
        _id("epersongroup2eperson", "id"),
        Column("eperson_group_id", Integer, ForeignKey("epersongroup.eperson_group_id")),
        Column("eperson_id", Integer, ForeignKey("eperson.eperson_id")),
    )
    bundle = Table(
        "bundle", metadata,
        _id("bundle", "bundle_id"),
        Column("name", String(16)),
        Column("primary_bitstream_id", Integer, ForeignKey("bitstream.bitstream_id")),
    )
    item = Table(
        "item", metadata,
        _id("item", "item_id"),
        Column("submitter_id", Integer, ForeignKey("eperson.eperson_id")),
        Column("in_archive", Boolean),
        Column("withdrawn", Boolean),
        Column("last_modified", DateTime(timezone=True)),
        Column("owning_collection", Integer),
    )
    item2bundle = Table(
        "item2bundle", metadata,
        _id("item2bundle", "id"),
        Column("item_id", Integer, ForeignKey("item.item_id")),
        Column("bundle_id", Integer, ForeignKey("bundle.bundle_id")),
        Index("item2bundle_item_idx", "item_id"),
        Index("item2bundle_bundle_fk_idx", "bundle_id"),
    )
    bundle2bitstream = Table(
        "bundle2bitstream", metadata,
        _id("bundle2bitstream", "id"),
        Column("bundle_id", Integer, ForeignKey("bundle.bundle_id")),
        Column("bitstream_id", Integer, ForeignKey("bitstream.bitstream_id")),
        Index("bundle2bitstream_bundle_idx", "bundle_id"),
        Index("bundle2bitstream_bitstream_fk_idx", "bitstream_id"),
    )
    community = Table(
        "community", metadata,
        _id("community", "community_id"),
        Column("name", String(128)),
        Column("short_description", String(512)),
        Column("introductory_text", Text),
        Column("logo_bitstream_id", Integer, ForeignKey("bitstream.bitstream_id")),
        Column("copyright_text", Text),
        Column("side_bar_text", Text),
        Index("community_logo_fk_idx", "logo_bitstream_id"),
    )
    collection = Table(
        "collection", metadata,
        _id("collection", "collection_id"),
        Column("name", String(128)),
        Column("short_description", String(512)),
        Column("introductory_text", Text),
        Column("logo_bitstream_id", Integer, ForeignKey("bitstream.bitstream_id")),
        Column("template_item_id", Integer, ForeignKey("item.item_id")),
        Column("provenance_description", Text),
        Column("license", Text),
        Column("copyright_text", Text),
        Column("side_bar_text", Text),
        Column("workflow_step_1", Integer, ForeignKey("epersongroup.eperson_group_id")),
        Column("workflow_step_2", Integer, ForeignKey("epersongroup.eperson_group_id")),
        Column("workflow_step_3", Integer, ForeignKey("epersongroup.eperson_group_id")),
        Column("submitter", Integer, ForeignKey("epersongroup.eperson_group_id")),
        Column("admin", Integer, ForeignKey("epersongroup.eperson_group_id")),
        Index("collection_logo_fk_idx", "logo_bitstream_id"),
    )
    community2community = Table(
        "community2community", metadata,
        _id("community2community", "id"),
        Column("parent_comm_id", Integer, ForeignKey("community.community_id")),
        Column("child_comm_id", Integer, ForeignKey("community.community_id")),
    )
    community2collection = Table(
        "community2collection", metadata,
        _id("community2collection", "id"),
        Column("community_id", Integer, ForeignKey("community.community_id")),
        Column("collection_id", Integer, ForeignKey("collection.collection_id")),
    )
    collection2item = Table(
        "collection2item", metadata,
        _id("collection2item", "id"),
        Column("collection_id", Integer, ForeignKey("collection.collection_id")),
        Column("item_id", Integer, ForeignKey("item.item_id")),
        Index("collection2item_item_idx", "item_id"),
    )
    handle = Table(
        "handle", metadata,
        _id("handle", "handle_id"),
        Column("handle", String(256), unique=True),
        Column("resource_type_id", Integer),
        Column("resource_id", Integer),
        Index("handle_resource_idx", "resource_type_id", "resource_id"),
    )
    metadataschemaregistry = Table(
        "metadataschemaregistry", metadata,
        _id("metadataschemaregistry", "metadata_schema_id"),
        Column("namespace", String(256), unique=True),
        Column("short_id", String(32)),
    )
    metadatafieldregistry = Table(
        "metadatafieldregistry", metadata,
        _id("metadatafieldregistry", "metadata_field_id"),
        Column("metadata_schema_id", Integer,
               ForeignKey("metadataschemaregistry.metadata_schema_id"), nullable=False),
        Column("element", String(64)),
        Column("qualifier", String(64)),
        Column("scope_note", Text),
    )
    metadatavalue = Table(
        "metadatavalue", metadata,
        _id("metadatavalue", "metadata_value_id"),
        Column("item_id", Integer, ForeignKey("item.item_id")),
        Column("metadata_field_id", Integer,
               ForeignKey("metadatafieldregistry.metadata_field_id")),
        Column("text_value", Text),
        Column("text_lang", String(24)),
        Column("place", Integer),
        Index("metadatavalue_item_idx", "item_id"),
    )
    resourcepolicy = Table(
        "resourcepolicy", metadata,
        _id("resourcepolicy", "policy_id"),
        Column("resource_type_id", Integer),
        Column("resource_id", Integer),
        Column("action_id", Integer),
        Column("eperson_id", Integer, ForeignKey("eperson.eperson_id")),
        Column("epersongroup_id", Integer, ForeignKey("epersongroup.eperson_group_id")),
        Column("start_date", DateTime(timezone=True)),
        Column("end_date", DateTime(timezone=True)),
        Index("resourcepolicy_type_id_idx", "resource_type_id", "resource_id"),
    )
    workspaceitem = Table(
        "workspaceitem", metadata,
        _id("workspaceitem", "workspace_item_id"),
        Column("item_id", Integer, ForeignKey("item.item_id")),
        Column("collection_id", Integer, ForeignKey("collection.collection_id")),
        Column("multiple_titles", Boolean),
        Column("published_before", Boolean),
        Column("multiple_files", Boolean),
        Column("stage_reached", Integer),
        Column("page_reached", Integer),
        Index("workspaceitem_item_fk_idx", "item_id"),
    )
    extra: dict[str, Table] = {}
    if renovated:
        extra["externalidentifier"] = Table(
            "externalidentifier", metadata,
            _id("externalidentifier", "external_identifier_id"),
            Column("bitstream_format_id", Integer,
                   ForeignKey("bitstreamformatregistry.bitstream_format_id"), nullable=False),
            Column("namespace", String(64), nullable=False),
            Column("identifier", String(128), nullable=False),
            # True for the format's canonical key; False for synonyms.
            Column("canonical", Boolean, nullable=False),
            UniqueConstraint("namespace", "identifier", name="externalidentifier_key_uq"),
            Index("externalidentifier_format_idx", "bitstream_format_id"),
        )
        # The 1.5 format data, preserved by phase 0 for phase 1/2 and the report; phase 3 drops it.
        extra["bsf15_bitstreamformatregistry"] = Table(
            "bsf15_bitstreamformatregistry", metadata,
            Column("bitstream_format_id", Integer, primary_key=True, autoincrement=False),
            Column("mimetype", String(256)),
            Column("short_description", String(128)),
            Column("description", Text),
            Column("support_level", Integer),
            Column("internal", Boolean),
        )
        extra["bsf15_fileextension"] = Table(
            "bsf15_fileextension", metadata,
            Column("file_extension_id", Integer, primary_key=True, autoincrement=False),
            Column("bitstream_format_id", Integer),
            Column("extension", String(16)),
        )
        extra["bsf15_bitstreamformat"] = Table(
            "bsf15_bitstreamformat", metadata,
            Column("bitstream_id", Integer, primary_key=True, autoincrement=False),
            Column("bitstream_format_id", Integer),
        )
    return Tables(
        metadata, registry, fileextension, bitstream, bundle, item, item2bundle,
        bundle2bitstream, community, collection, community2community, community2collection,
        collection2item, handle, metadataschemaregistry, metadatafieldregistry, metadatavalue,
        eperson, epersongroup, epersongroup2eperson, resourcepolicy, workspaceitem, **extra,
    )


META15 = MetaData()
T15 = _define(META15, renovated=False)

META16 = MetaData()
T16 = _define(META16, renovated=True)

#: DSpace's resource type ids (org.dspace.core.Constants), used by handle and resourcepolicy.
BITSTREAM, BUNDLE, ITEM, COLLECTION, COMMUNITY, SITE, GROUP, EPERSON = 0, 1, 2, 3, 4, 5, 6, 7
