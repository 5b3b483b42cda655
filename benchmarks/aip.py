"""AIP benchmark: export a whole site and restore it into an empty archive.

    .venv/bin/python benchmarks/aip.py --items 10000            # SQLite (default)
    .venv/bin/python benchmarks/aip.py --items 2000 --db postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python benchmarks/aip.py --items 200 --big-mb 2048   # plus one 2 GiB bitstream

Prints items/s and MB/s of ``export_aip`` (hierarchy of AIPs, METS + PREMIS, validation off as
for a plain zip, and — ``export+xsd`` — with the default validation: every manifest against the
shipped METS, PREMIS, MODS and METSRights schemas plus the reference checks) against plain
zipping of the same asset files into one zip per item (same deflate level), and of
``ingest_aip`` (force replace of the whole site, one transaction) against plain unzipping of
those zips; each measurement runs in its own child process so its peak RSS is its own. Ratios
>= 0.5 are the target.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import resource

from benchmarks._common import emit as _emit
from benchmarks._common import run_child


def emit(result: dict[str, object]) -> None:
    """The child's result plus its own CPU seconds (user + system): on a shared machine
    wall time depends on the neighbours, CPU time much less."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu"] = usage.ru_utime + usage.ru_stime
    _emit(result)

ADMIN = "admin@bench.example"
SITE = "123456789/0"
COLLECTIONS = 10


def _engine(url: str):  # type: ignore[no-untyped-def]
    from archive.db import open_engine

    return open_engine(url)


def build(url: str, store_dir: Path, items: int, big_mb: int, seed: int = 7) -> int:
    """A renovated site: one community, COLLECTIONS collections, ``items`` items with 1-2
    bitstreams (PDF-ish random bytes and compressible text); rows in executemany batches."""
    from sqlalchemy import insert

    from archive.assetstore import AssetStore, new_internal_id
    from archive.formatcache import ensure_format
    from archive.init import init_archive
    from archive.schema import COLLECTION, COMMUNITY, ITEM, T16
    from registries.model import Format, FormatKey

    t = T16
    rng = random.Random(seed)
    engine = _engine(url)
    init_archive(engine, renovated=True, admin_email=ADMIN)
    store = AssetStore({0: store_dir})
    total_bytes = 0
    with engine.begin() as conn:
        pdf = ensure_format(conn, Format((FormatKey("PRONOM", "fmt/18"),), "PDF 1.4",
                                         mime_type="application/pdf", extensions=("pdf",)))
        txt = ensure_format(conn, Format((FormatKey("PRONOM", "x-fmt/111"),), "Plain Text File",
                                         mime_type="text/plain", extensions=("txt",)))
        conn.execute(insert(t.fileextension), [
            {"bitstream_format_id": pdf, "extension": "pdf"},
            {"bitstream_format_id": txt, "extension": "txt"}])
        conn.execute(insert(t.community).values(community_id=1, name="Bench"))
        handles = [{"handle": "123456789/1", "resource_type_id": COMMUNITY, "resource_id": 1}]
        conn.execute(insert(t.collection), [{"collection_id": c, "name": f"Collection {c}"}
                                            for c in range(1, COLLECTIONS + 1)])
        conn.execute(insert(t.community2collection), [
            {"community_id": 1, "collection_id": c} for c in range(1, COLLECTIONS + 1)])
        handles += [{"handle": f"123456789/{1 + c}", "resource_type_id": COLLECTION,
                     "resource_id": c} for c in range(1, COLLECTIONS + 1)]
        from archive.init import dc_field_ids

        ids = dc_field_ids(conn, t)
        fields = {name: ids[f"dc.{name}"] for name in ("title", "contributor.author",
                                                        "date.issued", "description.abstract")}
        rows: dict[str, list[dict[str, object]]] = {k: [] for k in (
            "item", "c2i", "mv", "bundle", "i2b", "bit", "b2b", "handle")}
        bit_id = 0
        words = [("".join(rng.choice("abcdefghij") for _ in range(6))) for _ in range(500)]

        def flush() -> None:
            for key, table in (("item", t.item), ("c2i", t.collection2item),
                               ("handle", t.handle), ("mv", t.metadatavalue),
                               ("bundle", t.bundle), ("i2b", t.item2bundle),
                               ("bit", t.bitstream), ("b2b", t.bundle2bitstream)):
                if rows[key]:
                    conn.execute(insert(table), rows[key])
                    rows[key].clear()

        def asset(data: bytes) -> tuple[str, str]:
            key = new_internal_id(rng)
            path = store.path(key, 0)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return key, hashlib.md5(data, usedforsecurity=False).hexdigest()

        for n in range(1, items + 1):
            col = 1 + n % COLLECTIONS
            rows["item"].append({"item_id": n, "in_archive": True, "withdrawn": False,
                                 "owning_collection": col,
                                 "last_modified": datetime(2020, 1, 1, tzinfo=UTC)})
            rows["c2i"].append({"collection_id": col, "item_id": n})
            rows["handle"].append({"handle": f"123456789/{100 + n}", "resource_type_id": ITEM,
                                   "resource_id": n})
            for place, (_, fid) in enumerate(fields.items(), 1):
                rows["mv"].append({"item_id": n, "metadata_field_id": fid, "place": 1,
                                   "text_value": " ".join(rng.choices(words, k=3 + place * 4)),
                                   "text_lang": "en"})
            rows["bundle"].append({"bundle_id": n, "name": "ORIGINAL"})
            rows["i2b"].append({"item_id": n, "bundle_id": n})
            blobs = [(b"%PDF-1.4\n" + rng.randbytes(rng.randint(20_000, 120_000)), pdf, "pdf")]
            if n % 2:
                text = " ".join(rng.choices(words, k=rng.randint(2_000, 20_000))).encode()
                blobs.append((text, txt, "txt"))
            if big_mb and n == 1:
                blobs = []
                path_key = new_internal_id(rng)
                path = store.path(path_key, 0)
                path.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.md5(usedforsecurity=False)
                chunk = rng.randbytes(1 << 20)
                with path.open("wb") as fh:
                    for _ in range(big_mb):
                        fh.write(chunk)
                        digest.update(chunk)
                bit_id += 1
                total_bytes += big_mb << 20
                rows["bit"].append({"bitstream_id": bit_id, "bitstream_format_id": pdf,
                                    "name": "big.pdf", "size_bytes": big_mb << 20,
                                    "checksum": digest.hexdigest(), "checksum_algorithm": "MD5",
                                    "internal_id": path_key, "deleted": False,
                                    "store_number": 0, "sequence_id": 1,
                                    "format_confidence": 4, "format_source": "bench"})
                rows["b2b"].append({"bundle_id": n, "bitstream_id": bit_id})
            for seq, (data, fmt, ext) in enumerate(blobs, 1):
                key, md5 = asset(data)
                bit_id += 1
                total_bytes += len(data)
                rows["bit"].append({"bitstream_id": bit_id, "bitstream_format_id": fmt,
                                    "name": f"file{seq}.{ext}", "size_bytes": len(data),
                                    "checksum": md5, "checksum_algorithm": "MD5",
                                    "internal_id": key, "deleted": False, "store_number": 0,
                                    "sequence_id": seq, "format_confidence": 4,
                                    "format_source": "org.dspace.content.format.DROIDIdentifier",
                                    "format_basis": "byte match at [[0 8]]"})
                rows["b2b"].append({"bundle_id": n, "bitstream_id": bit_id})
            if n % 1000 == 0:
                flush()
        flush()
        conn.execute(insert(t.handle), handles)
        from archive.db import sync_sequences

        sync_sequences(conn, t.metadata)
    engine.dispose()
    return total_bytes


def phase_export(url: str, store_dir: Path, out: Path, validate: bool) -> None:
    from archive.assetstore import AssetStore
    from packager.export import export_aip

    engine = _engine(url)
    start = time.perf_counter()
    result = export_aip(engine, AssetStore({0: store_dir}), SITE, out / "SITE@123456789-0.zip",
                        recursive=True, eperson=ADMIN, use_registries=False,
                        options={"validate": "true" if validate else "false"})
    seconds = time.perf_counter() - start
    size = sum(p.size for p in result.packages)
    emit({"seconds": seconds, "packages": len(result.packages), "zip_bytes": size})


def phase_plain_zip(store_dir: Path, url: str, out: Path) -> None:
    """One zip per item holding the same asset files, same deflate level: the floor."""
    from sqlalchemy import select

    from archive.assetstore import AssetStore
    from archive.schema import T16 as t

    engine = _engine(url)
    store = AssetStore({0: store_dir})
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(select(t.bundle2bitstream.c.bundle_id, t.bitstream.c.internal_id,
                                   t.bitstream.c.bitstream_id)
                            .join(t.bitstream, t.bitstream.c.bitstream_id ==
                                  t.bundle2bitstream.c.bitstream_id)
                            .order_by(t.bundle2bitstream.c.bundle_id)).all()
    current = None
    zf: zipfile.ZipFile | None = None
    for bundle_id, internal_id, bid in rows:
        if bundle_id != current:
            if zf is not None:
                zf.close()
            zf = zipfile.ZipFile(out / f"plain-{bundle_id}.zip", "w", zipfile.ZIP_DEFLATED,
                                 compresslevel=6)
            current = bundle_id
        assert zf is not None
        zf.write(store.path(internal_id, 0), f"bitstream_{bid}")
    if zf is not None:
        zf.close()
    emit({"seconds": time.perf_counter() - start})


def phase_restore(url: str, store_dir: Path, aips: Path) -> None:
    from archive.assetstore import AssetStore
    from packager.ingest import ingest_aip
    from packager.options import Mode

    engine = _engine(url)
    start = time.perf_counter()
    result = ingest_aip(engine, AssetStore({0: store_dir}), aips / "SITE@123456789-0.zip",
                        mode=Mode.REPLACE, recursive=True, eperson=ADMIN,
                        options=["skipIfParentMissing=true"])
    emit({"seconds": time.perf_counter() - start, "created": len(result.created)})


def phase_plain_unzip(zips: Path, dest: Path) -> None:
    start = time.perf_counter()
    for path in sorted(zips.glob("plain-*.zip")):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                target = dest / f"{path.stem}-{info.filename}"
                with zf.open(info) as src, target.open("wb") as fh:
                    shutil.copyfileobj(src, fh, 1 << 20)
    emit({"seconds": time.perf_counter() - start})


def _target_url(url: str, work: Path) -> tuple[str, str | None]:
    """An empty database beside ``url``'s: SQLite file, or a new PostgreSQL database."""
    if url.startswith("sqlite"):
        return f"sqlite:///{work / 'target.db'}", None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from archive.db import normalise_url

    admin = normalise_url(url)
    name = f"bsf_aip_bench_{os.getpid()}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False), name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--db", default=None, help="PostgreSQL admin URL (default: SQLite)")
    parser.add_argument("--big-mb", type=int, default=0, help="add one bitstream of this size")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--validate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "export":
        return phase_export(args.url, args.store, args.out, args.validate)
    if args.phase == "plain-zip":
        return phase_plain_zip(args.store, args.url, args.out)
    if args.phase == "restore":
        return phase_restore(args.url, args.store, args.out)
    if args.phase == "plain-unzip":
        return phase_plain_unzip(args.store, args.out)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bsf-aip-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    source_url = f"sqlite:///{work / 'source.db'}"
    pg_name = None
    if args.db:
        source_url, pg_name = _target_url(args.db, work)
    store = work / "store"
    store.mkdir(exist_ok=True)
    me = Path(__file__).resolve()
    t0 = time.perf_counter()
    total = build(source_url, store, args.items, args.big_mb)
    mb = total / 1e6
    print(f"built {args.items} items, {mb:,.1f} MB of bitstreams in "
          f"{time.perf_counter() - t0:.1f}s ({work})", file=sys.stderr)

    export = run_child(me, ["--phase", "export", "--url", source_url, "--store", str(store),
                            "--out", str(work / "aips")], timeout=7200)
    validated = run_child(me, ["--phase", "export", "--url", source_url, "--store",
                               str(store), "--out", str(work / "aips-xsd"), "--validate"],
                          timeout=7200)
    plain = run_child(me, ["--phase", "plain-zip", "--url", source_url, "--store", str(store),
                           "--out", str(work / "plain")], timeout=7200)
    target_url, target_pg = (f"sqlite:///{work / 'target.db'}", None) if not args.db \
        else _target_url(args.db, work)
    from archive.init import init_archive

    eng = _engine(target_url)
    init_archive(eng, renovated=True, admin_email=ADMIN)
    eng.dispose()
    (work / "store2").mkdir(exist_ok=True)
    restore = run_child(me, ["--phase", "restore", "--url", target_url, "--store",
                             str(work / "store2"), "--out", str(work / "aips")], timeout=7200)
    (work / "unzipped").mkdir(exist_ok=True)
    unzip = run_child(me, ["--phase", "plain-unzip", "--store", str(work / "plain"),
                           "--out", str(work / "unzipped")], timeout=7200)

    def line(label: str, r: dict[str, float], base: dict[str, float], what: str) -> str:
        items_s = args.items / r["seconds"]
        mbs = mb / r["seconds"]
        base_mbs = mb / base["seconds"]
        cpu_mbs, base_cpu_mbs = mb / r["cpu"], mb / base["cpu"]
        return (f"{label:10} {r['seconds']:7.1f}s wall {items_s:7.1f} items/s {mbs:6.1f} MB/s"
                f" (plain {what} {base_mbs:6.1f} MB/s, ratio {mbs / base_mbs:4.2f}) | "
                f"{r['cpu']:7.1f}s CPU {args.items / r['cpu']:7.1f} items/s "
                f"{cpu_mbs:6.1f} MB/s (plain {base_cpu_mbs:6.1f}, ratio "
                f"{cpu_mbs / base_cpu_mbs:4.2f}) | peak RSS {r['peak_rss_mb']:.0f} MiB "
                f"(plain {base['peak_rss_mb']:.0f})")

    db = "PostgreSQL" if args.db else "SQLite"
    print(f"AIP benchmark: {args.items} items, {mb:,.1f} MB, {db}, big bitstream "
          f"{args.big_mb} MiB")
    print(line("export", export, plain, "zip"))
    print(line("export+xsd", validated, plain, "zip"))
    print(line("restore", restore, plain, "zip"))
    print(line("restore", restore, unzip, "unzip"))
    print(f"packages: {export['packages']}, AIP bytes {export['zip_bytes'] / 1e6:,.1f} MB; "
          f"restored objects: {restore['created']}")
    if args.db:
        from sqlalchemy import create_engine, text

        from archive.db import normalise_url

        eng = create_engine(normalise_url(args.db), isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            for name in (pg_name, target_pg):
                if name:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
