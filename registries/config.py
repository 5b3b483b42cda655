"""The format part of the operator's configuration, read from the instructions' keys verbatim.

Operators paste the keys of the BitstreamFormat conversion instructions into their config file:
``formatRegistry.<Name>.*``, ``plugin.named.org.dspace.content.format.FormatRegistry``,
``plugin.sequence.org.dspace.content.format.FormatIdentifier`` (Java class names, mapped here to
bsf's identifier kinds) and ``formatIdentifier.*``. This module turns them into one
:class:`FormatConfig` and reports every mistake at once with file and line.

Defaults, so bsf works out of the box: with none of these keys set, the PRONOM case of the
instructions runs on the default data (the PRONOM signature files shipped in ``config/formats/``
or a newer pair from ``bsf signatures update``, the packaged ``provisional-formats.xml``). Each
part also defaults on its own when only some keys are set (no identifier sequence -> the
instructions' stack for the configured registries). A *configured* file that is missing is
always an error: bsf never silently replaces an operator's document with its packaged copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bsfcore.errors import BsfError, ConfigError, Problem
from bsfcore.properties import Properties
from bsfcore.settings import Settings
from registries.model import FormatKey, SupportLevel
from registries.packaged import packaged_formats_dir, packaged_schema
from registries.pronom.datafiles import CONTAINER_GLOB, SIGNATURE_GLOB, newest

JAVA_PACKAGE = "org.dspace.content.format."
REGISTRY_KEY = "plugin.named.org.dspace.content.format.FormatRegistry"
SEQUENCE_KEY = "plugin.sequence.org.dspace.content.format.FormatIdentifier"

#: registry Java class (short) -> the namespace it serves
REGISTRY_CLASSES: dict[str, str] = {
    "DSpaceFormatRegistry": "DSpace",
    "ProvisionalFormatRegistry": "Provisional",
    "PRONOMFormatRegistry": "PRONOM",
}
DOCUMENT_REGISTRIES = ("DSpace", "Provisional")
PACKAGED_DOCUMENTS = {"DSpace": "dspace-formats.xml", "Provisional": "provisional-formats.xml"}

#: identifier Java class (short) -> identifier kind
IDENTIFIER_CLASSES: dict[str, str] = {
    "DSpaceFormatRegistry": "DSpace",
    "ProvisionalFormatRegistry": "Provisional",
    "DROIDIdentifier": "DROID",
    "TextHeuristicIdentifier": "TextHeuristic",
    "CSSIdentifier": "CSS",
    "TextSubtypeHelper": "TextSubtypeHelper",
    # bsf's content refiners (formats/identifiers/factory.py), placeable explicitly
    "JSONIdentifier": "JSON",
    "CSVIdentifier": "CSV",
    "MarkdownIdentifier": "Markdown",
    "MarkupIdentifier": "Markup",
}
IDENTIFIER_KINDS = tuple(dict.fromkeys(IDENTIFIER_CLASSES.values()))
#: identifier kind -> the registry it needs
REQUIRED_REGISTRY = {"DSpace": "DSpace", "Provisional": "Provisional", "DROID": "PRONOM"}

REGISTRY_PROPERTIES = {
    "DSpace": ("document", "validate", "schema", "defaultSupportLevel"),
    "Provisional": ("document", "validate", "schema", "defaultSupportLevel"),
    "PRONOM": ("contact", "dir"),
}
#: formatIdentifier.<X>.* keys bsf checks for typos (other identifiers' options pass through)
IDENTIFIER_PROPERTIES: dict[str, tuple[str, ...]] = {
    "CSSIdentifier": ("parser", "identifiers"),
    "TextSubtypeHelper": ("subtypes",),
    "DROID": ("signatureFile", "containerSignatureFile", "updateSignatureURL",
              "updateContainerURL", "updateDocumentsURL"),
    "TextHeuristicIdentifier": (),  # formats.<type> only
}

#: The instructions' TextSubtypeHelper lists, used (plus the ``auto`` rule) when the key is not set.
DEFAULT_SUBTYPES = {
    "PRONOM": (
        "x-fmt/224 x-fmt/91 x-fmt/406 x-fmt/407 x-fmt/408 fmt/122 fmt/123 fmt/124 fmt/14 fmt/15 "
        "fmt/16 fmt/17 fmt/18 fmt/19 fmt/20 fmt/95 fmt/96 fmt/144 fmt/145 fmt/146 fmt/157 "
        "fmt/147 fmt/158 fmt/148 fmt/101 x-fmt/183 x-fmt/160"
    ),
    "DSpace": "XML HTML CSS MARC Postscript Mathematica LateX TeX SGML RealAudio",
}
DEFAULT_CSS = {"PRONOM": "x-fmt/224", "DSpace": "CSS"}
#: the value in a subtypes list that stands for the default rule: any PRONOM format without a
#: byte or container signature that claims the file's extension
AUTO_SUBTYPES = "auto"
FORMAT_PREFIXES = ("formatRegistry.", "formatIdentifier.", REGISTRY_KEY, SEQUENCE_KEY,
                   "plugin.named.org.dspace.content.format.",
                   "plugin.sequence.org.dspace.content.format.")
BUILTIN = "<built-in default>"


@dataclass(frozen=True)
class IdentifierSpec:
    """One entry of the identifier stack: our kind and the name the operator wrote."""

    kind: str
    configured_name: str
    origin: str | None = None


@dataclass(frozen=True)
class RegistrySpec:
    """One configured registry (a member of the set keyed by namespace)."""

    namespace: str
    kind: str
    configured_class: str
    document: Path | None = None
    validate: bool = True
    schema: Path | None = None
    default_support_level: SupportLevel = SupportLevel.KNOWN
    contact: str | None = None
    directory: Path | None = None
    origin: str | None = None


@dataclass(frozen=True)
class FormatConfig:
    """Everything registries and identifiers need from the configuration."""

    registries: dict[str, RegistrySpec]
    identifiers: list[IdentifierSpec]
    css_identifiers: list[FormatKey] = field(default_factory=list)
    css_parser: str | None = None
    tar_format: FormatKey | None = None
    subtypes: list[FormatKey] = field(default_factory=list)
    #: where ``auto`` stands in the subtypes list (its rank), None when it is not there
    subtypes_auto: int | None = None
    droid_signature_file: Path | None = None
    droid_container_file: Path | None = None
    pronom_dir: Path | None = None
    #: PRONOM format records (``pronom-xml*.zip``) found in ``pronom_dir``: descriptions
    pronom_records: Path | None = None
    config_path: Path | None = None
    is_default: bool = False
    options: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def has_identifier(self, kind: str) -> bool:
        return any(spec.kind == kind for spec in self.identifiers)

    def identifier(self, kind: str) -> IdentifierSpec | None:
        return next((spec for spec in self.identifiers if spec.kind == kind), None)

    def where(self, key: str) -> str:
        """``file:line`` where ``key`` was set, or ``<built-in default>``."""
        return self.origins.get(key, BUILTIN)


def default_format_config() -> FormatConfig:
    """The PRONOM case of the instructions on the default data (no config file at all)."""
    return load_format_config(Settings())


T = TypeVar("T")


class _Reader:
    """Reads keys, turning every failure into a located Problem instead of stopping."""

    def __init__(self, properties: Properties) -> None:
        self.props = properties
        self.problems: list[Problem] = []
        self.origins: dict[str, str] = {}
        self.base = Path(properties.path).resolve().parent if properties.path else Path.cwd()

    def has(self, key: str) -> bool:
        return self.props.entry(key) is not None

    def origin(self, key: str) -> str:
        path, line = self.props.where(key)
        return f"{path}:{line}" if line is not None else (path or BUILTIN)

    def problem(self, key: str | None, message: str) -> None:
        if key is None:
            self.problems.append(Problem(self.props.path, None, message))
            return
        path, line = self.props.where(key)
        self.problems.append(Problem(path, line, f"{key}: {message}"))

    def get(self, key: str) -> str | None:
        if not self.has(key):
            return None
        self.origins[key] = self.origin(key)
        try:
            return self.props[key].strip()
        except ConfigError as exc:
            self.problems.extend(exc.problems)
            return None

    def convert(self, key: str, func: Callable[[str], T]) -> T | None:
        value = self.get(key)
        if value is None:
            return None
        try:
            return func(value)
        except BsfError as exc:
            self.problem(key, str(exc))
            return None

    def path(self, key: str, *, directory: bool = False) -> Path | None:
        value = self.get(key)
        if value is None:
            return None
        if not value:
            self.problem(key, "is empty; give a file path")
            return None
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = self.base / path
        if directory:
            if not path.is_dir():
                self.problem(key, f"folder {path} does not exist")
                return None
        elif not path.is_file():
            hint = ""
            packaged = packaged_formats_dir() / path.name
            if packaged.is_file():
                hint = (f"; bsf does not fall back to its packaged copy: copy {packaged} there "
                        "or fix the path")
            self.problem(key, f"file {path} does not exist{hint}")
            return None
        return path

    def keys_list(self, key: str, auto: list[int] | None = None) -> list[FormatKey] | None:
        """The keys of a comma-separated list; ``auto`` (when given) receives the position of
        the word ``auto`` in it instead of an error."""
        value = self.get(key)
        if value is None:
            return None
        keys: list[FormatKey] = []
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if auto is not None and item == AUTO_SUBTYPES:
                auto.append(len(dict.fromkeys(keys)))
                continue
            try:
                key_ = FormatKey.parse(item)
            except BsfError:
                self.problem(key, f"malformed format key {item!r}: expected NAMESPACE:identifier "
                                  "such as PRONOM:fmt/96 or DSpace:CSS")
                continue
            if " " in key_.identifier or "=" in item:
                self.problem(key, f"malformed format key {item!r} (separate keys with commas)")
                continue
            keys.append(key_)
        return list(dict.fromkeys(keys))


def _short_class(name: str) -> str:
    for package in (JAVA_PACKAGE, "bsf."):
        if name.startswith(package):
            return name[len(package):]
    return name


def _parse_registries(r: _Reader) -> dict[str, RegistrySpec] | None:
    value = r.get(REGISTRY_KEY)
    if value is None:
        return None
    specs: dict[str, RegistrySpec] = {}
    origin = r.origin(REGISTRY_KEY)
    known = ", ".join(REGISTRY_CLASSES.values())
    for token in (t.strip() for t in value.split(",")):
        if not token:
            continue
        if "=" in token:
            cls, _, name = (part.strip() for part in token.partition("="))
        else:
            cls, name = "", token
        if not name:
            r.problem(REGISTRY_KEY, f"{cls} has no registry name (write <class> = <name>)")
            continue
        if name not in REGISTRY_CLASSES.values():
            r.problem(REGISTRY_KEY, f"unknown registry name {name!r}; bsf knows {known}")
            continue
        if cls:
            kind = REGISTRY_CLASSES.get(_short_class(cls))
            if kind is None:
                r.problem(REGISTRY_KEY, f"unknown format registry class {cls!r}; bsf knows "
                          + ", ".join(JAVA_PACKAGE + c for c in REGISTRY_CLASSES))
                continue
            if kind != name:
                r.problem(REGISTRY_KEY, f"{cls} serves the {kind} registry, it cannot be named "
                                        f"{name!r}")
                continue
        if name in specs:
            r.problem(REGISTRY_KEY, f"registry {name} is configured twice")
            continue
        configured = cls or JAVA_PACKAGE + next(c for c, n in REGISTRY_CLASSES.items()
                                                if n == name)
        specs[name] = RegistrySpec(name, name, configured, origin=origin)
    if not specs and not r.problems:
        r.problem(REGISTRY_KEY, "names no registry")
    return specs


def _default_registries() -> dict[str, RegistrySpec]:
    return {name: RegistrySpec(name, name, JAVA_PACKAGE + cls, origin=BUILTIN)
            for cls, name in REGISTRY_CLASSES.items() if name in ("PRONOM", "Provisional")}


def _complete_registry(r: _Reader, spec: RegistrySpec) -> RegistrySpec:
    prefix = f"formatRegistry.{spec.namespace}."
    if spec.kind == "PRONOM":
        return RegistrySpec(spec.namespace, spec.kind, spec.configured_class,
                            contact=r.get(prefix + "contact"),
                            directory=r.path(prefix + "dir", directory=True), origin=spec.origin)
    document = r.path(prefix + "document")
    if document is None and not r.has(prefix + "document"):
        document = packaged_formats_dir() / PACKAGED_DOCUMENTS[spec.kind]
    validate = r.convert(prefix + "validate", lambda v: _boolean(v))
    level = r.convert(prefix + "defaultSupportLevel", SupportLevel.parse)
    return RegistrySpec(
        spec.namespace, spec.kind, spec.configured_class, document=document,
        validate=True if validate is None else validate,
        schema=r.path(prefix + "schema") or packaged_schema(),
        default_support_level=level if level is not None else SupportLevel.KNOWN,
        origin=spec.origin)


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise BsfError(f"must be true or false, not {value!r}")


def _parse_sequence(r: _Reader, registries: dict[str, RegistrySpec]) -> list[IdentifierSpec]:
    value = r.get(SEQUENCE_KEY)
    if value is None:
        return _default_sequence(registries)
    origin = r.origin(SEQUENCE_KEY)
    before = len(r.problems)
    specs: list[IdentifierSpec] = []
    for token in (t.strip() for t in value.split(",")):
        if not token:
            continue
        kind = IDENTIFIER_CLASSES.get(_short_class(token))
        if kind is None and token in IDENTIFIER_KINDS:
            kind = token
        if kind is None:
            r.problem(SEQUENCE_KEY, f"unknown format identifier {token!r}; bsf knows "
                      + ", ".join(JAVA_PACKAGE + c for c in IDENTIFIER_CLASSES)
                      + " (or the short names " + ", ".join(IDENTIFIER_KINDS) + ")")
            continue
        if any(s.kind == kind for s in specs):
            r.problem(SEQUENCE_KEY, f"identifier {token} is listed twice")
            continue
        specs.append(IdentifierSpec(kind, token, origin))
    if not specs:
        if len(r.problems) == before:
            r.problem(SEQUENCE_KEY, "names no identifier")
        return specs
    for index, spec in enumerate(specs):
        if spec.kind == "TextSubtypeHelper" and index != len(specs) - 1:
            r.problem(SEQUENCE_KEY, f"TextSubtypeHelper must come last in the identifier stack "
                                    f"(it is number {index + 1} of {len(specs)})")
    return specs


def _default_sequence(registries: dict[str, RegistrySpec]) -> list[IdentifierSpec]:
    classes = []
    if "DSpace" in registries:
        classes.append("DSpaceFormatRegistry")
    if "PRONOM" in registries:
        classes.append("DROIDIdentifier")
    classes += ["TextHeuristicIdentifier", "CSSIdentifier"]
    if "Provisional" in registries:
        classes.append("ProvisionalFormatRegistry")
    classes.append("TextSubtypeHelper")
    return [IdentifierSpec(IDENTIFIER_CLASSES[c], JAVA_PACKAGE + c, BUILTIN) for c in classes]


def _check_stray_keys(r: _Reader, registries: dict[str, RegistrySpec]) -> None:
    """Typos and keys for registries that are not configured, each with its line."""
    for key in r.props:
        if r.props.entry(key) is None:
            continue
        parts = key.split(".")
        if key.startswith("formatRegistry."):
            if len(parts) != 3:
                r.problem(key, "malformed key; expected formatRegistry.<Registry>.<property>")
            elif parts[1] not in REGISTRY_PROPERTIES:
                r.problem(key, f"unknown registry name {parts[1]!r}; bsf knows "
                          + ", ".join(REGISTRY_PROPERTIES))
            elif parts[1] not in registries:
                r.problem(key, f"registry {parts[1]} is not configured in {REGISTRY_KEY}"
                          if r.has(REGISTRY_KEY) else
                          f"registry {parts[1]} is not configured: add {REGISTRY_KEY} naming it "
                          "(the default set is PRONOM and Provisional)")
            elif parts[2] not in REGISTRY_PROPERTIES[parts[1]]:
                r.problem(key, f"unknown property {parts[2]!r}; {parts[1]} takes "
                          + ", ".join(REGISTRY_PROPERTIES[parts[1]]))
        elif key.startswith("formatIdentifier."):
            if len(parts) < 3:
                r.problem(key, "malformed key; expected formatIdentifier.<Identifier>.<property>")
            elif parts[1] in IDENTIFIER_PROPERTIES:
                prop = ".".join(parts[2:])
                if parts[1] == "TextHeuristicIdentifier":
                    if not (len(parts) == 4 and parts[2] == "formats"):
                        r.problem(key, "unknown property; TextHeuristicIdentifier takes "
                                       "formats.<type> (e.g. formats.tar)")
                elif prop not in IDENTIFIER_PROPERTIES[parts[1]]:
                    r.problem(key, f"unknown property {prop!r}; {parts[1]} takes "
                              + ", ".join(IDENTIFIER_PROPERTIES[parts[1]]))
        elif key.startswith("plugin.") and key not in (REGISTRY_KEY, SEQUENCE_KEY):
            r.problem(key, f"unknown plugin key; bsf reads {REGISTRY_KEY} and {SEQUENCE_KEY}")


def _check_key_namespaces(r: _Reader, key: str, keys: list[FormatKey],
                          registries: dict[str, RegistrySpec]) -> list[FormatKey]:
    kept = []
    for fk in keys:
        if fk.namespace not in registries:
            r.problem(key, f"{fk} names the {fk.namespace} registry, which is not configured "
                           f"(configured: {', '.join(sorted(registries))})")
        else:
            kept.append(fk)
    return kept


def load_format_config(settings: Settings) -> FormatConfig:
    """Read the format keys of ``settings``; raise ConfigError listing every problem."""
    props = settings.properties
    r = _Reader(props)
    is_default = not any(key.startswith(FORMAT_PREFIXES) for key in props
                         if props.entry(key) is not None)

    parsed = _parse_registries(r)
    registries = parsed if parsed is not None else _default_registries()
    registries = {name: _complete_registry(r, spec) for name, spec in registries.items()}
    identifiers = _parse_sequence(r, registries)
    for spec in identifiers:
        needed = REQUIRED_REGISTRY.get(spec.kind)
        if needed is not None and needed not in registries:
            r.problem(SEQUENCE_KEY if r.has(SEQUENCE_KEY) else REGISTRY_KEY,
                      f"identifier {spec.configured_name} needs the {needed} registry, which is "
                      f"not configured (configured: {', '.join(sorted(registries))})")
    _check_stray_keys(r, registries)

    css_key = "formatIdentifier.CSSIdentifier.identifiers"
    css = r.keys_list(css_key)
    if css is None:
        css = [FormatKey(ns, ident) for ns, ident in DEFAULT_CSS.items() if ns in registries]
    css = _check_key_namespaces(r, css_key, css, registries)

    sub_key = "formatIdentifier.TextSubtypeHelper.subtypes"
    auto_at: list[int] = []
    subtypes = r.keys_list(sub_key, auto_at)
    auto = auto_at[0] if auto_at else None
    if subtypes is None:
        subtypes = [FormatKey(ns, ident) for ns, idents in DEFAULT_SUBTYPES.items()
                    if ns in registries for ident in idents.split()]
        auto = len(subtypes)
    subtypes = _check_key_namespaces(r, sub_key, subtypes, registries)
    if auto is not None and "PRONOM" not in registries:
        auto = None  # the rule is about PRONOM formats

    tar_key = "formatIdentifier.TextHeuristicIdentifier.formats.tar"
    before = len(r.problems)
    tar_keys = r.keys_list(tar_key)
    tar: FormatKey | None = None
    if tar_keys is not None and len(r.problems) == before:
        if len(tar_keys) != 1:
            r.problem(tar_key, "must name exactly one format key, e.g. PRONOM:x-fmt/265")
        else:
            kept = _check_key_namespaces(r, tar_key, tar_keys, registries)
            tar = kept[0] if kept else None

    signature = r.path("formatIdentifier.DROID.signatureFile")
    container = r.path("formatIdentifier.DROID.containerSignatureFile")
    pronom = registries.get("PRONOM")
    pronom_dir = pronom.directory if pronom else None
    records = None
    if pronom_dir is not None:
        if signature is None and not r.has("formatIdentifier.DROID.signatureFile"):
            signature = newest(pronom_dir, SIGNATURE_GLOB)
        if container is None and not r.has("formatIdentifier.DROID.containerSignatureFile"):
            container = newest(pronom_dir, CONTAINER_GLOB)
        records = max(pronom_dir.glob("pronom-xml*.zip"), default=None)

    options = {key: value for key in props if key.startswith("formatIdentifier.")
               and props.entry(key) is not None and (value := r.get(key)) is not None}
    if r.problems:
        raise ConfigError(sorted(r.problems, key=lambda p: (p.path or "", p.line or 0)))
    return FormatConfig(
        registries=registries, identifiers=identifiers, css_identifiers=css,
        css_parser=r.get("formatIdentifier.CSSIdentifier.parser"), tar_format=tar,
        subtypes=subtypes, subtypes_auto=auto, droid_signature_file=signature,
        droid_container_file=container, pronom_dir=pronom_dir, pronom_records=records,
        config_path=Path(props.path) if props.path else None,
        is_default=is_default, options=options, origins=dict(r.origins))
