"""Measurements of the report writers and workbench re-identification (from anywhere):

    .venv/bin/python benchmarks/workbench.py writers 100000
    .venv/bin/python benchmarks/workbench.py writers 1000000
    .venv/bin/python benchmarks/workbench.py reidentify 5000
    .venv/bin/python benchmarks/workbench.py reidentify 20000

Each prints rate and peak RSS (ru_maxrss) of its own process.
"""
from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sink(io.TextIOBase):
    def __init__(self) -> None:
        self.n = 0

    def write(self, s: str) -> int:
        self.n += len(s)
        return len(s)


def writers(n: int) -> None:
    from reports.csv_writer import CsvReportWriter
    from reports.jsonl import JsonLinesWriter
    from reports.rows import ReportRow
    from reports.summary import SummaryCollector
    from reports.summary_html import render_html

    olds = ["Adobe PDF", "Text", "HTML", "JPEG", "Unknown", "Microsoft Word"]
    news = ["Acrobat PDF 1.4", "Plain Text File", "Hypertext Markup Language", "JPEG File "
            "Interchange Format", "Unknown", "Windows Portable Executable"]
    confs = ["POSITIVE_SPECIFIC", "HEURISTIC", "EXTENSION", "UNIDENTIFIED"]

    def rows():
        for i in range(n):
            yield ReportRow(i, f"file, {i} \"x\".e{i % 500}", f"123456789/{i // 4}",
                            olds[i % 6], news[(i * 7) % 6], "PRONOM:fmt/18", confs[i % 4],
                            "org.dspace.content.format.DROIDIdentifier", "byte match at [[0 8]]",
                            "extension mismatch" if i % 9 == 0 else None, None, i * 10,
                            f"{i:032x}")
    for name, make in (("csv", lambda: CsvReportWriter(Sink())),
                       ("jsonl", lambda: JsonLinesWriter(Sink())),
                       ("summary", SummaryCollector)):
        w = make()
        t = time.perf_counter()
        w.head()
        for r in rows():
            w.row(r)
        w.tail()
        dt = time.perf_counter() - t
        print(f"{name:8s} {n:>9,} rows {n / dt:>10,.0f} rows/s  peak RSS {rss():.0f} MB")
    t = time.perf_counter()
    page = render_html(w.summary)
    print(f"html     {len(page):,} bytes in {time.perf_counter() - t:.3f}s")


def reidentify(n: int) -> None:
    from sqlalchemy import insert

    from archive.assetstore import AssetStore
    from archive.db import open_engine
    from archive.formatcache import ensure_format
    from archive.schema import META16, T16
    from bsfcore.settings import load_settings
    from formats.model import Confidence
    from formats.stack import stack_from_settings
    from registries.model import FormatKey
    from workbench.actions import reidentify as run
    from workbench.selection import Selection

    tmp = Path(tempfile.mkdtemp())
    engine = open_engine(f"sqlite:///{tmp / 'a.db'}")
    store = AssetStore({0: tmp / "store"})
    (tmp / "store").mkdir()
    META16.create_all(engine)
    stack, registries = stack_from_settings(load_settings(None))
    contents = [(b"%PDF-1.4\n" + b"x" * 400, "pdf"), (b"<p>hello</p>\n" * 20, "htm"),
                (b"plain words\n" * 30, "txt"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "png")]
    with engine.begin() as conn:
        text_id = ensure_format(conn, registries.require(FormatKey("PRONOM", "x-fmt/111")))
        rows = []
        for i in range(1, n + 1):
            data, ext = contents[i % 4]
            iid = f"{i:038d}"
            store.write_bytes(data, internal_id=iid)
            rows.append({"bitstream_id": i, "name": f"f{i}.{ext}", "size_bytes": len(data),
                         "internal_id": iid, "store_number": 0, "deleted": False,
                         "bitstream_format_id": text_id,
                         "format_confidence": int(Confidence.HEURISTIC)})
            if len(rows) == 1000:
                conn.execute(insert(T16.bitstream), rows)
                rows = []
        if rows:
            conn.execute(insert(T16.bitstream), rows)
    print(f"setup done, peak RSS so far {rss():.0f} MB")
    for dry, workers in ((True, 1), (True, 2), (False, 1)):
        t = time.perf_counter()
        k = sum(1 for _ in run(engine, Selection(all=True), stack=stack, assets=store,
                               registries=registries, user="bench", dry_run=dry,
                               workers=workers))
        dt = time.perf_counter() - t
        print(f"reidentify {'dry-run' if dry else 'write  '} workers={workers} {k:>7,} "
              f"bitstreams {k / dt:>8,.0f}/s  peak RSS {rss():.0f} MB")
    t = time.perf_counter()
    k = 0
    from formats.model import Sample
    for i in range(1, n + 1):
        data, ext = contents[i % 4]
        stack.identify(Sample.from_path(store.path(f"{i:038d}"), name=f"f{i}.{ext}"))
        k += 1
    dt = time.perf_counter() - t
    print(f"raw stack.identify on the same files {k / dt:>8,.0f}/s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Report writers (rows/s, flat memory) and workbench re-identification.")
    parser.add_argument("measure", choices=["writers", "reidentify"])
    parser.add_argument("count", type=int, help="rows (writers) or bitstreams (reidentify)")
    return parser.parse_args()


if __name__ == "__main__":
    args = _arguments()
    {"writers": writers, "reidentify": reidentify}[args.measure](args.count)
