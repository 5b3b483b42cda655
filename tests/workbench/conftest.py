"""A small renovated archive (META16 + format cache + preserved 1.5 data + asset files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text

from archive.assetstore import AssetStore
from archive.formatcache import ensure_format, unknown_format_id
from archive.schema import COLLECTION, COMMUNITY, ITEM, META16, T16
from formats.model import Confidence, Match, Sample
from registries.model import Format, FormatKey, Registry, RegistrySet

PDF = FormatKey("PRONOM", "fmt/18")
HTML = FormatKey("PRONOM", "fmt/96")
TEXT = FormatKey("PRONOM", "x-fmt/111")
EXE = FormatKey("PRONOM", "fmt/899")

FORMATS = [
    Format((PDF,), "Acrobat PDF 1.4 - Portable Document Format", mime_type="application/pdf",
           extensions=("pdf",)),
    Format((HTML,), "Hypertext Markup Language", "4.01", mime_type="text/html",
           extensions=("html", "htm")),
    Format((TEXT,), "Plain Text File", mime_type="text/plain", extensions=("txt",)),
    Format((EXE,), "Windows Portable Executable", mime_type="application/octet-stream",
           extensions=("exe",)),
]

OLD_FORMATS = {1: "Adobe PDF", 2: "HTML", 3: "Text", 4: "Unknown"}


class FakeStack:
    """Identifies by content the way a real stack would, with a readable source per rule."""

    def __init__(self) -> None:
        self.calls = 0

    def _rules(self, sample: Sample) -> list[tuple[str, Match | None]]:
        head = sample.bof(64)
        pdf = (Match(PDF, Confidence.POSITIVE_SPECIFIC, "fake.DROID", "byte match at [[0 4]]")
               if head.startswith(b"%PDF") else None)
        html = (Match(HTML, Confidence.POSITIVE_GENERIC, "fake.Html", "text match <html")
                if b"<html" in head.lower() else None)
        text_ = (Match(TEXT, Confidence.HEURISTIC, "fake.Text", "text match ASCII")
                 if head and all(32 <= b < 127 or b in b"\r\n\t" for b in head) else None)
        return [("fake.DROID", pdf), ("fake.Html", html), ("fake.Text", text_)]

    def explain(self, sample: Sample) -> list[tuple[str, Match | None]]:
        return self._rules(sample)

    def identify(self, sample: Sample) -> Match:
        self.calls += 1
        for _, match in self._rules(sample):
            if match is not None:
                return match
        return Match(None, Confidence.UNIDENTIFIED, "fake.Stack", "", "no match")


@dataclass
class Archive:
    engine: Engine
    store: AssetStore
    registries: RegistrySet
    stack: FakeStack
    format_ids: dict[FormatKey, int]
    unknown_id: int
    root: Path


BITSTREAMS = [
    # id, name, content, item, current key, confidence, old format id, deleted
    (1, "report.pdf", b"%PDF-1.4 body", 1, PDF, Confidence.POSITIVE_SPECIFIC, 1, False),
    (2, "page.htm", b"<html><body>hi</body></html>", 1, TEXT, Confidence.HEURISTIC, 2, False),
    (3, "notes.txt", b"just some notes\n", 2, TEXT, Confidence.HEURISTIC, 3, False),
    (4, "odd, \"name\".htm", b"<HTML>x</HTML>", 2, None, None, 2, False),
    (5, "manual.pdf", b"<html>not really a pdf</html>", 2, PDF, Confidence.MANUAL, 1, False),
    (6, "missing.pdf", None, 2, "unknown", Confidence.UNIDENTIFIED, 4, False),
    (7, "deleted.htm", b"<html></html>", 2, TEXT, Confidence.HEURISTIC, 2, True),
]


def build_archive(engine: Engine, root: Path) -> Archive:
    store_dir = root / "assetstore"
    store_dir.mkdir(parents=True)
    store = AssetStore({0: store_dir})
    META16.create_all(engine)
    t = T16
    with engine.begin() as conn:
        ids = {f.key: ensure_format(conn, f) for f in FORMATS}
        unknown = unknown_format_id(conn)
        conn.execute(insert(t.community), [{"community_id": 1, "name": "Top"},
                                           {"community_id": 2, "name": "Sub"}])
        conn.execute(insert(t.community2community), [{"parent_comm_id": 1, "child_comm_id": 2}])
        conn.execute(insert(t.collection), [{"collection_id": 1, "name": "A"},
                                            {"collection_id": 2, "name": "B"}])
        conn.execute(insert(t.community2collection), [
            {"community_id": 1, "collection_id": 1}, {"community_id": 2, "collection_id": 2}])
        conn.execute(insert(t.item), [
            {"item_id": 1, "in_archive": True, "withdrawn": False, "owning_collection": 1},
            {"item_id": 2, "in_archive": True, "withdrawn": False, "owning_collection": 2}])
        conn.execute(insert(t.collection2item), [{"collection_id": 1, "item_id": 1},
                                                 {"collection_id": 2, "item_id": 2}])
        conn.execute(insert(t.handle), [
            {"handle": "123456789/1", "resource_type_id": COMMUNITY, "resource_id": 1},
            {"handle": "123456789/2", "resource_type_id": COMMUNITY, "resource_id": 2},
            {"handle": "123456789/3", "resource_type_id": COLLECTION, "resource_id": 1},
            {"handle": "123456789/4", "resource_type_id": COLLECTION, "resource_id": 2},
            {"handle": "123456789/10", "resource_type_id": ITEM, "resource_id": 1},
            {"handle": "123456789/11", "resource_type_id": ITEM, "resource_id": 2}])
        conn.execute(insert(t.bundle), [{"bundle_id": 1, "name": "ORIGINAL"},
                                        {"bundle_id": 2, "name": "ORIGINAL"}])
        conn.execute(insert(t.item2bundle), [{"item_id": 1, "bundle_id": 1},
                                             {"item_id": 2, "bundle_id": 2}])
        assert t.bsf15_bitstreamformatregistry is not None and t.bsf15_bitstreamformat is not None
        conn.execute(insert(t.bsf15_bitstreamformatregistry), [
            {"bitstream_format_id": k, "short_description": v, "support_level": 1,
             "internal": False} for k, v in OLD_FORMATS.items()])
        for bid, name, content, item, key, conf, old, deleted in BITSTREAMS:
            internal_id = f"{bid:02d}" * 20
            if content is not None:
                store.write_bytes(content, internal_id=internal_id)
            fid = unknown if key == "unknown" else (ids[key] if key else None)
            conn.execute(insert(t.bitstream).values(
                bitstream_id=bid, name=name, size_bytes=len(content or b""),
                checksum=f"{bid:032x}", checksum_algorithm="MD5", internal_id=internal_id,
                store_number=0, deleted=deleted, bitstream_format_id=fid,
                format_confidence=int(conf) if conf is not None else None,
                format_source="Upgrade15To16 Phase 2 from fake" if conf is not None else None,
                sequence_id=bid))
            conn.execute(insert(t.bundle2bitstream).values(bundle_id=item, bitstream_id=bid))
            conn.execute(insert(t.bsf15_bitstreamformat).values(bitstream_id=bid,
                                                                bitstream_format_id=old))
        if conn.dialect.name == "postgresql":
            from archive.db import sync_sequences

            sync_sequences(conn, META16)
    return Archive(engine, store, RegistrySet([Registry("PRONOM", FORMATS)]), FakeStack(), ids,
                   unknown, root)


def drop_15_tables(engine: Engine) -> None:
    """What phase 3 does to the preserved 1.5 data."""
    with engine.begin() as conn:
        for name in ("bsf15_bitstreamformat", "bsf15_fileextension",
                     "bsf15_bitstreamformatregistry"):
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))


@pytest.fixture
def archive(engine: Engine, tmp_path: Path) -> Archive:
    return build_archive(engine, tmp_path)
