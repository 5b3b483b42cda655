"""Registry administration the troubleshooting recipe needs: Provisional entries and synonyms.

The conversion instructions' workaround for a format DROID misses (``.htm`` for PRONOM:fmt/96):

1. add an entry to the Provisional registry with the wanted extension
   (:func:`add_provisional_entry` appends a ``dsr:entry`` to the configured
   ``provisional-formats.xml``, keeping every comment and entry already there, and refuses to
   write a document that would not load);
2. "find the BSF with the PRONOM identifier, and add the Provisional entry you just created as a
   synonym external identifier" (:func:`add_synonym`, on the archive's format cache);
3. add the Provisional identifier to ``formatIdentifier.TextSubtypeHelper.subtypes``
   (:mod:`workbench.config_edit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from sqlalchemy import Engine, func, insert, select, update

from archive.formatcache import ensure_format, find_format_id, format_keys
from archive.lock import archive_lock
from archive.schema import T16
from bsfcore.atomic import atomic_replace
from bsfcore.errors import BsfError, RegistryError
from registries.dsr import (
    DSR_NAMESPACE,
    dspace_identifier,
    load_registry_document,
    registry_tree,
)
from registries.model import Format, FormatKey, RegistrySet, SupportLevel
from registries.packaged import packaged_formats_dir
from registries.xmlsafe import parse_xml
from workbench.actions import require_renovated

_Q = "{" + DSR_NAMESPACE + "}"


@dataclass
class SynonymResult:
    format_id: int
    format_name: str | None
    keys: list[str]
    added: bool
    moved_from: int | None = None
    notes: list[str] = field(default_factory=list)


def add_synonym(engine: Engine, format_key: FormatKey, synonym: FormatKey, *,
                registries: RegistrySet | None = None, move: bool = False) -> SynonymResult:
    """Bind ``synonym`` to the cached format of ``format_key`` as a non-canonical identifier.

    The format is added to the cache from the registries if no bitstream used it yet. A synonym
    bound to another cached format is refused unless ``move`` (that format keeps its bitstreams
    and its other identifiers, it only loses this one). Idempotent.
    """
    require_renovated(engine)
    ext = T16.externalidentifier
    reg = T16.bitstreamformatregistry
    assert ext is not None
    notes: list[str] = []
    with archive_lock(engine, "registry add-synonym"), engine.begin() as conn:
        fid = find_format_id(conn, format_key)
        if fid is None:
            fmt = registries.get(format_key) if registries is not None else None
            if fmt is None:
                raise BsfError(f"no format in the archive or the configured registries is "
                               f"identified by {format_key}")
            fid = ensure_format(conn, fmt)
            notes.append(f"added {format_key} ({fmt.display_name}) to the archive's formats")
        if registries is not None and registries.get(synonym) is None:
            notes.append(f"warning: no configured registry defines {synonym} (add the "
                         "Provisional entry first so identifiers can answer with it)")
        owner = find_format_id(conn, synonym)
        moved_from = None
        added = False
        if owner == fid:
            notes.append(f"{synonym} is already an identifier of this format")
        elif owner is not None:
            used = conn.execute(select(func.count()).select_from(T16.bitstream)
                                .where(T16.bitstream.c.bitstream_format_id == owner)).scalar_one()
            name = conn.execute(select(reg.c.short_description)
                                .where(reg.c.bitstream_format_id == owner)).scalar()
            if not move:
                raise BsfError(f"{synonym} already identifies format #{owner} {name!r} "
                               f"({used} bitstreams); pass --move to rebind it (those "
                               "bitstreams keep their format; re-identify them afterwards)")
            conn.execute(update(ext).where(ext.c.namespace == synonym.namespace,
                                           ext.c.identifier == synonym.identifier)
                         .values(bitstream_format_id=fid, canonical=False))
            moved_from, added = owner, True
            notes.append(f"moved {synonym} from format #{owner} {name!r}")
        else:
            conn.execute(insert(ext).values(bitstream_format_id=fid,
                                            namespace=synonym.namespace,
                                            identifier=synonym.identifier, canonical=False))
            added = True
        name = conn.execute(select(reg.c.short_description)
                            .where(reg.c.bitstream_format_id == fid)).scalar()
        keys = [str(k) for k in format_keys(conn, fid)]
    return SynonymResult(fid, name, keys, added, moved_from, notes)


def provisional_document(config: object) -> Path:
    """The configured Provisional registry document; refuses the packaged default (it belongs
    to the installation, not to the operator)."""
    registries = getattr(config, "registries", {})
    spec = registries.get("Provisional")
    if spec is None or spec.document is None:
        raise BsfError("the Provisional registry is not configured (formatRegistry.Provisional."
                       "document and plugin.named...FormatRegistry)")
    document = Path(spec.document)
    packaged = packaged_formats_dir().resolve()
    if document.resolve().parent == packaged:
        raise BsfError(f"the Provisional registry is the packaged default {document}; copy it "
                       "and set formatRegistry.Provisional.document in your config (or pass "
                       "--document FILE) before adding entries")
    return document


def add_provisional_entry(document: Path, fmt: Format, *, validate: bool = True,
                          schema: Path | None = None) -> Format:
    """Append ``fmt`` as a ``dsr:entry`` to the Provisional registry ``document``.

    Comments, other entries and their layout stay as they are. The result is loaded (and
    validated) before it replaces the file, atomically, so a mistake never leaves a registry
    that stops the next phase. Returns the format as the registry now reads it.
    """
    if fmt.key.namespace != "Provisional":
        raise BsfError(f"the canonical identifier of a Provisional entry must be Provisional:..., "
                       f"not {fmt.key}")
    if document.exists():
        existing = load_registry_document(document, "Provisional", validate=validate,
                                          schema=schema)
        clashes = [str(k) for k in fmt.keys for other in existing if k in other.keys]
        if any(other.name == fmt.name for other in existing):
            raise RegistryError([], f"{document}: an entry named {fmt.name!r} already exists")
        if clashes:
            raise RegistryError([], f"{document}: identifier(s) {', '.join(clashes)} already "
                                    "used by another entry")
        tree = parse_xml(document, error_class=RegistryError)
    else:
        tree = registry_tree([], namespace="Provisional")
    root = tree.getroot()
    entry = registry_tree([fmt], namespace="Provisional").getroot().find(_Q + "entry")
    assert entry is not None
    _append_indented(root, entry)
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    document.parent.mkdir(parents=True, exist_ok=True)
    loaded: list[Format] = []

    def reload(tmp: Path) -> None:  # the new document must load before it replaces the old
        found = load_registry_document(tmp, "Provisional", validate=validate,
                                       schema=schema).get(fmt.key)
        assert found is not None
        loaded.append(found)

    # same mode and owner as before (the DSpace web application reads this file too)
    atomic_replace(document, data + (b"" if data.endswith(b"\n") else b"\n"), check=reload)
    return loaded[0]


def _append_indented(root: etree._Element, entry: etree._Element) -> None:
    """Append ``entry`` as the last child, indented like a hand-written document."""
    etree.indent(entry, space="  ", level=1)
    children = list(root)
    if children:
        children[-1].tail = "\n\n  "
    else:
        root.text = "\n  "
    entry.tail = "\n"
    root.append(entry)


def provisional_format(name: str, *, identifier: str | None = None,
                       synonyms: list[str] | None = None, extensions: list[str] | None = None,
                       mime_type: str | None = None, description: str | None = None,
                       version: str | None = None,
                       support_level: str = "known") -> Format:
    """A Provisional :class:`Format` from command-line values (``Provisional:<name>`` default)."""
    key = FormatKey.parse(identifier) if identifier else FormatKey(
        "Provisional", dspace_identifier(name))
    exts = [e.strip().lower().lstrip(".") for e in (extensions or []) if e.strip()]
    return Format(
        keys=(key, *[FormatKey.parse(s) for s in synonyms or []]), name=name, version=version,
        mime_type=mime_type, description=description, extensions=tuple(dict.fromkeys(exts)),
        support_level=SupportLevel.parse(support_level))
