"""A small, hand-built DSpace 1.5 archive (real table names, real asset files) and a fake,
picklable identifier stack, so the upgrade tests need nothing but the archive package."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from archive.assetstore import AssetStore
from archive.init import init_archive
from archive.schema import T15
from bsfcore.settings import load_settings
from formats.model import Confidence, Match, Sample
from registries.model import Format, FormatKey, Registry, RegistrySet
from upgrade.step import StepContext

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
GADGET = b"GADGET\x00\x01binary"
TEXT = b"plain words\n"

PRONOM = Registry("PRONOM", [
    Format((FormatKey("PRONOM", "fmt/18"),), "Acrobat PDF 1.4", mime_type="application/pdf",
           extensions=("pdf",)),
    Format((FormatKey("PRONOM", "fmt/43"),), "JPEG File Interchange Format",
           mime_type="image/jpeg", extensions=("jpg", "jpeg")),
    Format((FormatKey("PRONOM", "x-fmt/111"),), "Plain Text File", mime_type="text/plain",
           extensions=("txt",)),
])


class FakeStack:
    """Magic-byte identification good enough for tests; ``delay`` seconds per file."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.registries = RegistrySet([PRONOM])

    def identify(self, sample: Sample) -> Match:
        if self.delay:
            time.sleep(self.delay)
        head = sample.bof(16)
        if head.startswith(b"%PDF"):
            return Match(FormatKey("PRONOM", "fmt/18"), Confidence.POSITIVE_SPECIFIC,
                         "org.dspace.content.format.DROIDIdentifier", "byte match at 0")
        if head.startswith(b"\xff\xd8"):
            return Match(FormatKey("PRONOM", "fmt/43"), Confidence.POSITIVE_SPECIFIC,
                         "org.dspace.content.format.DROIDIdentifier", "byte match at 0")
        if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
            return Match(FormatKey("PRONOM", "x-fmt/111"), Confidence.HEURISTIC,
                         "org.dspace.content.format.TextHeuristicIdentifier", "text match ASCII")
        return Match(None, Confidence.UNIDENTIFIED, "IdentifierStack", warning="no match")


@dataclass
class Archive:
    engine: Engine
    store_dir: Path
    ids: dict[str, int] = field(default_factory=dict)

    def context(self, **kw: object) -> StepContext:
        settings = load_settings(None, db=self.engine.url.render_as_string(hide_password=False),
                                 assetstore=self.store_dir)
        kw.setdefault("stack", FakeStack())
        return StepContext(self.engine, settings=settings, **kw)  # type: ignore[arg-type]


def _format_id(conn, name: str) -> int:  # type: ignore[no-untyped-def]
    reg = T15.bitstreamformatregistry
    return int(conn.execute(select(reg.c.bitstream_format_id)
                            .where(reg.c.short_description == name)).scalar_one())


def build_archive(engine: Engine, store_dir: Path, *, bulk: int = 0,
                  missing: bool = False) -> Archive:
    """A 1.5 archive: the 73 default formats plus a local one, items in every state."""
    init_archive(engine)
    store = AssetStore({0: store_dir})
    arch = Archive(engine, store_dir)
    t = T15
    with engine.begin() as conn:
        reg = t.bitstreamformatregistry
        gadget = int(conn.execute(insert(reg).values(
            mimetype="application/x-gadget", short_description="Gadget Data",
            description="Lab gadget output", support_level=1, internal=False))
            .inserted_primary_key[0])
        conn.execute(insert(t.fileextension).values(bitstream_format_id=gadget, extension="gdg"))
        conn.execute(insert(reg).values(mimetype="application/x-unused",
                                        short_description="Never Used", support_level=1,
                                        internal=False))
        community = int(conn.execute(insert(t.community).values(name="C"))
                        .inserted_primary_key[0])
        collection = int(conn.execute(insert(t.collection).values(name="K"))
                         .inserted_primary_key[0])

        def item(**state: object) -> int:
            values = {"in_archive": True, "withdrawn": False, **state}
            item_id = int(conn.execute(insert(t.item).values(
                owning_collection=collection, **values)).inserted_primary_key[0])
            bundle = int(conn.execute(insert(t.bundle).values(name="ORIGINAL"))
                         .inserted_primary_key[0])
            conn.execute(insert(t.item2bundle).values(item_id=item_id, bundle_id=bundle))
            return bundle

        def bitstream(label: str, bundle: int | None, name: str, data: bytes | None,
                      fmt: str, **extra: object) -> int:
            asset = store.write_bytes(data if data is not None else b"x")
            if data is None:
                store.path(asset.internal_id, 0).unlink()
            values = {"bitstream_format_id": _format_id(conn, fmt), "name": name,
                      "size_bytes": asset.size, "checksum": asset.md5,
                      "checksum_algorithm": "MD5", "internal_id": asset.internal_id,
                      "deleted": False, "store_number": 0, "sequence_id": 1, **extra}
            bid = int(conn.execute(insert(t.bitstream).values(**values))
                      .inserted_primary_key[0])
            if bundle is not None:
                conn.execute(insert(t.bundle2bitstream).values(bundle_id=bundle,
                                                               bitstream_id=bid))
            arch.ids[label] = bid
            return bid

        main = item()
        bitstream("pdf", main, "paper.pdf", PDF, "Adobe PDF")
        bitstream("txt", main, "notes.txt", TEXT, "Text")
        bitstream("jpg", main, "photo.jpg", JPEG, "JPEG")
        bitstream("gadget", main, "run1.gdg", GADGET, "Gadget Data")
        bitstream("ufd", main, "survey.sav", b"\x00\x01SPSS", "Unknown",
                  user_format_description="SPSS data, v12")
        bitstream("unknown", main, "odd.xyz", b"\x00\x02\x03", "Unknown")
        bitstream("tricky", main, 'report, "final" 100%.pdf', PDF, "Adobe PDF")
        bitstream("exe", main, "DVDit.exe", b"MZ\x90\x00\x03", "Adobe PDF")
        bitstream("license", main, "license.txt", TEXT, "License")
        bitstream("withdrawn", item(in_archive=False, withdrawn=True), "old.pdf", PDF,
                  "Adobe PDF")
        ws_bundle = item(in_archive=False)
        ws_item = conn.execute(select(t.item2bundle.c.item_id)
                               .where(t.item2bundle.c.bundle_id == ws_bundle)).scalar_one()
        conn.execute(insert(t.workspaceitem).values(item_id=ws_item, collection_id=collection))
        bitstream("workspace", ws_bundle, "draft.gdg", GADGET, "Gadget Data")
        bitstream("deleted", main, "gone.pdf", PDF, "Adobe PDF", deleted=True)
        bitstream("orphan", None, "orphan.pdf", PDF, "Adobe PDF")
        logo = bitstream("logo", None, "logo.jpg", JPEG, "JPEG")
        conn.execute(t.community.update().where(t.community.c.community_id == community)
                     .values(logo_bitstream_id=logo))
        if missing:
            bitstream("missing", main, "lost.pdf", None, "Adobe PDF")
        for i in range(bulk):
            data = (PDF, TEXT, JPEG, GADGET)[i % 4]
            name = ("b%d.pdf", "b%d.txt", "b%d.jpg", "b%d.gdg")[i % 4] % i
            fmt = ("Adobe PDF", "Text", "JPEG", "Gadget Data")[i % 4]
            bitstream(f"bulk{i}", main, name, data, fmt)
    return arch


UPGRADABLE = ["pdf", "txt", "jpg", "gadget", "ufd", "unknown", "tricky", "exe", "license",
              "withdrawn", "workspace", "logo"]


def add_update_counter(engine: Engine) -> None:
    """Log every bitstream update that sets a format, to prove nothing is written twice."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE upd_log (bitstream_id INTEGER)"))
        if engine.dialect.name == "postgresql":
            conn.execute(text(
                "CREATE FUNCTION log_upd() RETURNS trigger AS $$ BEGIN "
                "INSERT INTO upd_log VALUES (NEW.bitstream_id); RETURN NEW; END $$ "
                "LANGUAGE plpgsql"))
            conn.execute(text(
                "CREATE TRIGGER upd_t AFTER UPDATE OF bitstream_format_id ON bitstream "
                "FOR EACH ROW WHEN (NEW.bitstream_format_id IS NOT NULL) "
                "EXECUTE FUNCTION log_upd()"))
        else:
            conn.execute(text(
                "CREATE TRIGGER upd_t AFTER UPDATE OF bitstream_format_id ON bitstream "
                "WHEN NEW.bitstream_format_id IS NOT NULL "
                "BEGIN INSERT INTO upd_log VALUES (NEW.bitstream_id); END"))
