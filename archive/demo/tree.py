"""The plan of a demo archive: communities, collections and items with their files, as plain data.

Planning is separate from writing so the plan is deterministic for a seed and cheap to stream:
:func:`plan_items` yields one :class:`ItemPlan` at a time, never the whole archive. The trouble a
real DSpace 1.5 archive collects over the years is planted here on purpose: files with a wrong,
missing, upper-case or trailing-dot extension, modern formats the 1.5 registry does not know
(CSV, JSON, Markdown, ZIP ...) with and without a depositor's ``user_format_description``,
missing asset files, deleted bitstreams, a withdrawn item, in-progress submissions, the
instructions' own anomaly (a program whose depositor picked "Adobe PDF"), and old
``.htm`` pages the default PRONOM data cannot name (the instructions' ``.htm`` recipe fixes them).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from archive.demo.samples import KINDS, sentence

ARCHIVED, WITHDRAWN, WORKSPACE = "archived", "withdrawn", "workspace"

#: How often each kind is deposited as an ORIGINAL file (relative weights).
ORIGINAL_WEIGHTS: dict[str, float] = {
    "pdf": 30, "docx": 6, "odt": 2, "rtf": 2, "postscript": 2, "eps": 1, "html": 3,
    "xhtml": 1, "css": 0.5, "xml": 3, "text-ascii": 4, "text-utf8": 3, "text-latin1": 1.5,
    "text-utf16": 1, "csv": 5, "json": 2, "markdown": 1.5, "jpeg": 8, "png": 5, "gif": 2,
    "tiff": 3, "bmp": 1, "xlsx": 4, "pptx": 3, "ods": 1, "zip": 3, "tar": 1, "gzip": 1.5,
    "wav": 2, "dos-htm": 2.5,
}
_BASES: dict[str, tuple[str, ...]] = {
    "document": ("thesis", "article", "report", "preprint", "chapter{n}", "dissertation",
                 "paper", "appendix{n}", "manuscript"),
    "image": ("figure{n}", "photo_{n}", "scan{n:03d}", "map", "plate{n}", "IMG_{n:04d}"),
    "data": ("data", "measurements", "results_{n}", "survey", "dataset", "table{n}"),
    "text": ("readme", "notes", "transcript", "abstract", "errata"),
    "media": ("recording{n}", "interview_{n}", "sample{n}"),
    "web": ("index", "page{n}", "style"),
}
_KIND_BASE = {
    "pdf": "document", "docx": "document", "odt": "document", "rtf": "document",
    "postscript": "document", "eps": "image", "html": "web", "xhtml": "web", "css": "web",
    "xml": "data", "text-ascii": "text", "text-utf8": "text", "text-latin1": "text",
    "text-utf16": "text", "csv": "data", "json": "data", "markdown": "text", "jpeg": "image",
    "png": "image", "gif": "image", "tiff": "image", "bmp": "image", "xlsx": "data",
    "pptx": "document", "ods": "data", "zip": "data", "tar": "data", "gzip": "data",
    "wav": "media", "dos-htm": "web",
}
#: What a depositor typed when the 1.5 registry offered no format for the file.
USER_DESCRIPTIONS: dict[str, str] = {
    "csv": "Comma separated values", "json": "JSON data", "markdown": "Markdown text",
    "zip": "ZIP archive", "tar": "tar archive of the data set", "gzip": "gzip compressed CSV",
    "xhtml": "XHTML web page", "pdf": "PDF document", "text-ascii": "plain text",
    "jpeg": "JPEG image", "docx": "Word 2007 document",
}
#: A wrong extension each kind is plausibly given (the classic mix-ups).
WRONG_EXTENSIONS: dict[str, str] = {
    "png": "jpg", "jpeg": "png", "pdf": "doc", "docx": "doc", "html": "txt", "xlsx": "xls",
    "pptx": "ppt", "text-ascii": "dat", "text-utf8": "doc", "csv": "txt", "tiff": "jpg",
    "gif": "png", "xml": "html", "odt": "doc", "zip": "gz", "rtf": "doc", "wav": "mp3",
}
#: Trouble every demo of 10+ items has, whatever the dice say (item position -> naming).
_FORCED_NAMING = {1: "wrong", 3: "none", 5: "upper", 7: "trailing"}
_FORCED_MISSING = {2, 9}
_FORCED_DELETED = 4
#: The instructions' anomaly: a program whose depositor picked "Adobe PDF" from the 1.5 list.
_FORCED_WRONG_PICK = 10
_TEXT_SOURCES = {"pdf", "docx", "odt", "rtf", "html", "postscript", "pptx", "xhtml"}
_THUMB_SOURCES = {"jpeg", "png", "gif", "tiff", "bmp", "pdf"}
_TYPES = ("Article", "Thesis", "Technical Report", "Dataset", "Image", "Presentation",
          "Working Paper", "Book chapter", "Preprint")
_LANGS = ("en", "en_US", "de", "fr", "es", "nl")
_SURNAMES = ("Smith", "Müller", "García", "Nguyen", "Kowalski", "O'Brien", "Tanaka", "Rossi",
             "Johansson", "Dubois", "Novák", "Silva", "Hansen", "Okafor", "Ivanova")
_GIVEN = ("Anna", "Ben", "Chen", "Dana", "Eve", "Farid", "Greta", "Hugo", "Ines", "Jon")


@dataclass
class FileSpec:
    """One planned bitstream."""

    kind: str
    variant: int
    name: str
    bundle: str
    format_rule: str = "guess"  # "guess" (1.5 extension lookup) or a short_description
    user_format_description: str | None = None
    description: str | None = None
    source: str | None = None
    missing: bool = False  # the row exists, the asset file does not
    deleted: bool = False  # deleted=true and no longer in its bundle (cleanup fodder)
    store_number: int = 0


@dataclass
class ItemPlan:
    index: int
    collection: int
    state: str
    submitter: int
    title: str
    authors: list[str]
    issued: str
    abstract: str
    subjects: list[str]
    type: str
    language: str
    files: list[FileSpec] = field(default_factory=list)


@dataclass
class ContainerPlan:
    """A community or collection."""

    name: str
    short_description: str
    parent: int | None  # community index (None = top level)
    logo: FileSpec | None = None


def plan_containers(rng: random.Random, items: int,
                    variants: int) -> tuple[list[ContainerPlan], list[ContainerPlan]]:
    """Communities (top level and sub-communities) and collections, sized to the item count."""
    n_collections = max(2, min(60, items // 150))
    n_top = max(1, min(8, n_collections // 4))
    communities: list[ContainerPlan] = []
    for i in range(n_top):
        communities.append(ContainerPlan(f"Faculty of {_topic(rng)}", sentence(rng, 8), None))
        for _ in range(rng.randint(0, 2)):
            communities.append(ContainerPlan(f"Department of {_topic(rng)}", sentence(rng, 8), i))
    collections = [ContainerPlan(f"{rng.choice(_TYPES)}s in {_topic(rng)}", sentence(rng, 10),
                                 rng.randrange(len(communities)))
                   for _ in range(n_collections)]
    for index, community in enumerate(communities):
        if index % 2 == 0:
            kind = "png" if index % 4 == 0 else "gif"
            community.logo = FileSpec(kind, rng.randrange(variants),
                                      f"logo.{KINDS[kind].extension}", "LOGO")
    for index, collection in enumerate(collections):
        if index % 3 == 0:
            collection.logo = FileSpec("jpeg", rng.randrange(variants), "banner.jpg", "LOGO")
    return communities, collections


def _topic(rng: random.Random) -> str:
    return rng.choice(("Hydrology", "Linguistics", "Chemistry", "History", "Computer Science",
                       "Geology", "Medicine", "Economics", "Physics", "Music", "Law", "Biology"))


def _trouble_positions(items: int) -> tuple[set[int], set[int]]:
    """Item positions that are withdrawn / in-progress submissions (at least one each)."""
    withdrawn = {items // 3} | set(range(items // 3 + 997, items, 997))
    workspace = {min(items - 1, items // 2 + 1)} | set(range(items // 2 + 401, items, 401))
    return withdrawn - workspace, workspace


def plan_items(rng: random.Random, items: int, collections: int, submitters: int,
               variants: int) -> Iterator[ItemPlan]:
    """The items of the demo archive, one at a time, deterministic for ``rng``'s seed."""
    withdrawn, workspace = _trouble_positions(items)
    kinds = list(ORIGINAL_WEIGHTS)
    weights = list(ORIGINAL_WEIGHTS.values())
    for index in range(items):
        state = WORKSPACE if index in workspace else WITHDRAWN if index in withdrawn else ARCHIVED
        title = sentence(rng, rng.randint(4, 10))[:-1]
        item = ItemPlan(
            index=index, collection=rng.randrange(collections), state=state,
            submitter=rng.randrange(submitters), title=title,
            authors=[f"{rng.choice(_SURNAMES)}, {rng.choice(_GIVEN)}"
                     for _ in range(rng.randint(1, 3))],
            issued=f"{rng.randint(1995, 2009)}-{rng.randint(1, 12):02d}",
            abstract=sentence(rng, 25) + " " + sentence(rng, 18),
            subjects=[_topic(rng) for _ in range(rng.randint(1, 3))],
            type=rng.choice(_TYPES), language=rng.choice(_LANGS))
        count = rng.choices((1, 2, 3, 4, 5), (60, 25, 10, 3, 2))[0]
        used: set[str] = set()
        for n in range(count):
            # The first items cycle through every kind, so even a small demo covers them all.
            kind = kinds[index] if n == 0 and index < len(kinds) else rng.choices(kinds, weights)[0]
            naming = _FORCED_NAMING.get(index) if n == 0 else None
            spec = _original(rng, kind, n + 1, variants, used, naming)
            item.files.append(spec)
            if kind in _TEXT_SOURCES and state != WORKSPACE and rng.random() < 0.6:
                item.files.append(FileSpec(
                    "text-utf8", rng.randrange(variants), f"{spec.name}.txt", "TEXT",
                    format_rule="Text", description="Extracted text",
                    source="Written by FormatFilter org.dspace.app.mediafilter.PDFFilter"))
            if kind in _THUMB_SOURCES and state != WORKSPACE and rng.random() < 0.5:
                item.files.append(FileSpec(
                    "jpeg", rng.randrange(variants), f"{spec.name}.jpg", "THUMBNAIL",
                    format_rule="JPEG", description="Generated Thumbnail",
                    source="Written by FormatFilter org.dspace.app.mediafilter.JPEGFilter"))
        if state != WORKSPACE:
            item.files.append(FileSpec("license", rng.randrange(variants), "license.txt",
                                       "LICENSE", format_rule="License",
                                       source="Written by org.dspace.content.Item"))
        for spec in item.files:
            roll = rng.random()
            if roll < 0.004:
                spec.missing = True
            elif roll < 0.006 and spec.bundle == "ORIGINAL":
                spec.deleted = True
            elif roll > 0.98:
                spec.store_number = -1
        if index in _FORCED_MISSING:
            item.files[0].missing = True
        if index == _FORCED_WRONG_PICK:
            item.files.append(FileSpec("exe", 0, "DVDit.exe", "ORIGINAL",
                                       format_rule="Adobe PDF", source="D:\\DVDit.exe"))
        if index == _FORCED_DELETED:
            item.files.append(FileSpec("pdf", 0, "superseded_version.pdf", "ORIGINAL",
                                       deleted=True, source="/home/depositor/old.pdf"))
        yield item


def _original(rng: random.Random, kind: str, number: int, variants: int,
              used: set[str], naming: str | None = None) -> FileSpec:
    """An ORIGINAL file as a depositor named it — usually well, sometimes not."""
    base = rng.choice(_BASES[_KIND_BASE[kind]]).format(n=number)
    extension = KINDS[kind].extension
    user_description = None
    roll = rng.random()
    if naming == "wrong":
        roll = 0.0
    elif naming == "none":
        roll = 0.03
        base = f"{base}_final"
    elif naming == "upper":
        roll = 0.05
    elif naming == "trailing":
        roll = 0.057
    if roll < 0.02 and kind in WRONG_EXTENSIONS:
        name = f"{base}.{WRONG_EXTENSIONS[kind]}"
    elif roll < 0.035:
        name = base  # no extension: 1.5 looks the whole name up as an extension
        if rng.random() < 0.5 or naming == "none":
            user_description = USER_DESCRIPTIONS.get(kind, "data file")
    elif roll < 0.055:
        name = f"{base}.{extension}".upper()
    elif roll < 0.058:
        name = f"{base}."  # trailing dot: 1.5 finds no extension at all
    else:
        name = f"{base}.{extension}"
        if kind in USER_DESCRIPTIONS and kind in ("csv", "json", "markdown", "zip", "tar",
                                                  "gzip", "xhtml") and rng.random() < 0.4:
            user_description = USER_DESCRIPTIONS[kind]
    while name in used:
        name = f"{number}_{name}"
    used.add(name)
    return FileSpec(kind, rng.randrange(variants), name, "ORIGINAL",
                    user_format_description=user_description,
                    source=f"/home/depositor/{name}")
