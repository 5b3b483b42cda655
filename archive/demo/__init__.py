"""The demo archive: a realistic DSpace 1.5 archive generated from a seed.

* :mod:`archive.demo.samples` — the 30 kinds of real files, made by the generators of
  :mod:`~archive.demo.text_samples`, :mod:`~archive.demo.media_samples` and
  :mod:`~archive.demo.container_samples`;
* :mod:`archive.demo.tree` — the deterministic plan (communities, collections, items, files);
* :mod:`archive.demo.writer` — bulk inserts and asset writing;
* :mod:`archive.demo.build` — :func:`build_demo`, which ties them together.
"""

from archive.demo.build import DemoSummary, build_demo, guess_format_15

__all__ = ["DemoSummary", "build_demo", "guess_format_15"]
