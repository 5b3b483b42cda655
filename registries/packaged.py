"""Where the data files shipped with bsf are (``config/formats/``), without loading a parser.

The configuration names these paths on every start-up, including ``bsf identify FILE``'s,
which must not pay for importing lxml just to learn a folder name.
"""

from __future__ import annotations

from pathlib import Path


def packaged_formats_dir() -> Path:
    """The ``config/formats/`` folder shipped with bsf (documents, schema, examples)."""
    import config.formats

    return Path(config.formats.__file__).resolve().parent


def packaged_schema() -> Path:
    """The registry schema shipped with bsf (``formats.xsd``), the default for every document."""
    return packaged_formats_dir() / "formats.xsd"
