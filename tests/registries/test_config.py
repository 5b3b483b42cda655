"""The instructions' configuration keys, verbatim: both example configs, defaults, every error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bsfcore.errors import ConfigError
from bsfcore.settings import Settings, load_settings
from registries.config import (
    FormatConfig,
    default_format_config,
    load_format_config,
)
from registries.loader import load_registry_set
from registries.model import FormatKey, SupportLevel
from registries.packaged import packaged_formats_dir

FORMATS = packaged_formats_dir()
JAVA = "org.dspace.content.format."
SEQUENCE = "plugin.sequence.org.dspace.content.format.FormatIdentifier"


@pytest.fixture
def dspace_dir(tmp_path: Path) -> Path:
    """A DSpace home with bsf's config/formats files copied in, as an operator would."""
    home = tmp_path / "dspace"
    target = home / "config" / "formats"
    target.mkdir(parents=True)
    for name in ("dspace-formats.xml", "provisional-formats.xml", "formats.xsd"):
        shutil.copy(FORMATS / name, target / name)
    return home


def example(dspace_dir: Path, name: str, *, edit: dict[str, str] | None = None) -> Path:
    text = (FORMATS / f"bsf-{name}.cfg.example").read_text()
    text = text.replace("dspace.dir = /dspace", f"dspace.dir = {dspace_dir}")
    for old, new in (edit or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = dspace_dir / f"{name}.cfg"
    path.write_text(text)
    return path


def line_of(path: Path, key: str) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(key))


def config_from(tmp_path: Path, text: str) -> FormatConfig:
    path = tmp_path / "bsf.cfg"
    path.write_text(f"dspace.dir = {tmp_path}\n" + text)
    return load_format_config(load_settings(path))


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_from(tmp_path, text)
    return [str(p) for p in info.value.problems]


def test_dspace_example_loads(dspace_dir: Path) -> None:
    path = example(dspace_dir, "dspace")
    config = load_format_config(load_settings(path))
    assert set(config.registries) == {"DSpace", "Provisional"}
    dspace = config.registries["DSpace"]
    assert dspace.document == dspace_dir / "config/formats/dspace-formats.xml"
    assert dspace.schema == dspace_dir / "config/formats/formats.xsd"
    assert dspace.validate and dspace.default_support_level == SupportLevel.KNOWN
    assert [s.kind for s in config.identifiers] == [
        "DSpace", "TextHeuristic", "CSS", "Provisional", "TextSubtypeHelper"]
    assert config.identifiers[0].configured_name == JAVA + "DSpaceFormatRegistry"
    assert config.css_identifiers == [FormatKey("DSpace", "CSS")]
    assert config.css_parser == "org.w3c.flute.parser.Parser"
    assert len(config.subtypes) == 10 and config.tar_format is None
    assert not config.is_default
    key = "formatIdentifier.CSSIdentifier.identifiers"
    assert config.where(key) == f"{path}:{line_of(path, key)}"
    registries = load_registry_set(config)
    assert registries.namespaces == ["DSpace", "Provisional"]
    assert len(registries.registry("DSpace")) == 73


def test_pronom_example_loads(dspace_dir: Path) -> None:
    config = load_format_config(load_settings(example(dspace_dir, "pronom")))
    assert set(config.registries) == {"PRONOM", "Provisional"}
    assert config.registries["PRONOM"].contact == "http://www.nationalarchives.gov.uk/"
    assert [s.kind for s in config.identifiers] == [
        "DROID", "TextHeuristic", "CSS", "Provisional", "TextSubtypeHelper"]
    assert config.css_identifiers == [FormatKey("PRONOM", "x-fmt/224")]
    assert len(config.subtypes) == 27  # 28 written, fmt/146 twice
    assert config.droid_signature_file is None
    registries = load_registry_set(config)
    assert len(registries.registry("PRONOM")) > 1000


def test_pronom_example_with_instruction_paths(dspace_dir: Path, shared_dir: Path) -> None:
    pronom = dspace_dir / "config/formats/PRONOM"
    pronom.mkdir()
    shutil.copy(shared_dir / "pronom/DROID_SignatureFile_V118.xml", pronom)
    shutil.copy(shared_dir / "pronom/container-signature-20240501.xml", pronom)
    path = example(dspace_dir, "pronom", edit={
        "#formatRegistry.PRONOM.dir": "formatRegistry.PRONOM.dir"})
    config = load_format_config(load_settings(path))
    assert config.pronom_dir == pronom
    assert config.droid_signature_file == pronom / "DROID_SignatureFile_V118.xml"
    assert config.droid_container_file == pronom / "container-signature-20240501.xml"
    assert load_registry_set(config).registry("PRONOM").version == "V118"


def test_no_config_is_the_pronom_case_on_default_data() -> None:
    config = default_format_config()
    assert config.is_default
    assert set(config.registries) == {"PRONOM", "Provisional"}
    assert config.registries["Provisional"].document == FORMATS / "provisional-formats.xml"
    assert [s.configured_name for s in config.identifiers] == [
        JAVA + "DROIDIdentifier", JAVA + "TextHeuristicIdentifier", JAVA + "CSSIdentifier",
        JAVA + "ProvisionalFormatRegistry", JAVA + "TextSubtypeHelper"]
    assert FormatKey("PRONOM", "fmt/96") in config.subtypes
    assert config.droid_signature_file is None and config.where("x") == "<built-in default>"
    assert load_format_config(Settings()) == config


def test_short_names_are_accepted(tmp_path: Path) -> None:
    config = config_from(tmp_path, f"""
{"plugin.named.org.dspace.content.format.FormatRegistry"} = DSpace, Provisional
plugin.sequence.org.dspace.content.format.FormatIdentifier = DSpace, TextHeuristic, \\
  CSSIdentifier, Provisional, TextSubtypeHelper
""")
    assert [s.kind for s in config.identifiers] == [
        "DSpace", "TextHeuristic", "CSS", "Provisional", "TextSubtypeHelper"]
    assert config.identifiers[2].configured_name == "CSSIdentifier"
    assert config.css_identifiers == [FormatKey("DSpace", "CSS")]  # default for DSpace
    assert config.registries["DSpace"].document == FORMATS / "dspace-formats.xml"


def test_sequence_defaults_follow_the_registries(tmp_path: Path) -> None:
    config = config_from(tmp_path, "plugin.named.org.dspace.content.format.FormatRegistry = "
                                   "org.dspace.content.format.DSpaceFormatRegistry = DSpace\n")
    assert [s.kind for s in config.identifiers] == ["DSpace", "TextHeuristic", "CSS",
                                                    "TextSubtypeHelper"]


def test_missing_configured_document_is_an_error_not_a_fallback(dspace_dir: Path) -> None:
    (dspace_dir / "config/formats/dspace-formats.xml").unlink()
    path = example(dspace_dir, "dspace")
    with pytest.raises(ConfigError) as info:
        load_format_config(load_settings(path))
    (problem,) = info.value.problems
    assert problem.path == str(path)
    assert problem.line == line_of(path, "formatRegistry.DSpace.document")
    assert "formatRegistry.DSpace.document" in problem.message
    assert "does not exist" in problem.message and "does not fall back" in problem.message


def test_unknown_registry_name(tmp_path: Path) -> None:
    (problem,) = errors(tmp_path, "plugin.named.org.dspace.content.format.FormatRegistry = "
                                  "org.dspace.content.format.GDFRFormatRegistry = GDFR\n")
    assert "bsf.cfg:2" in problem and "unknown registry name 'GDFR'" in problem


def test_registry_class_and_name_must_agree(tmp_path: Path) -> None:
    (problem,) = errors(tmp_path, "plugin.named.org.dspace.content.format.FormatRegistry = "
                                  "org.dspace.content.format.DSpaceFormatRegistry = PRONOM\n")
    assert "cannot be named 'PRONOM'" in problem


def test_text_subtype_helper_must_be_last(tmp_path: Path) -> None:
    (problem,) = errors(tmp_path, """plugin.sequence.org.dspace.content.format.FormatIdentifier = \\
  org.dspace.content.format.TextSubtypeHelper, \\
  org.dspace.content.format.DROIDIdentifier
""")
    assert "bsf.cfg:2" in problem and "TextSubtypeHelper must come last" in problem


def test_identifier_whose_registry_is_not_configured(tmp_path: Path) -> None:
    found = errors(tmp_path, """
plugin.named.org.dspace.content.format.FormatRegistry = \\
  org.dspace.content.format.DSpaceFormatRegistry = DSpace
plugin.sequence.org.dspace.content.format.FormatIdentifier = \\
  org.dspace.content.format.DROIDIdentifier, \\
  org.dspace.content.format.ProvisionalFormatRegistry, \\
  org.dspace.content.format.TextSubtypeHelper
""")
    assert len(found) == 2
    assert "DROIDIdentifier needs the PRONOM registry" in found[0] and "bsf.cfg:5" in found[0]
    assert "ProvisionalFormatRegistry needs the Provisional registry" in found[1]
    found = errors(tmp_path, "plugin.sequence.org.dspace.content.format.FormatIdentifier = "
                             "org.dspace.content.format.DSpaceFormatRegistry\n")
    assert "needs the DSpace registry" in found[0]


def test_unknown_identifier_class(tmp_path: Path) -> None:
    (problem,) = errors(tmp_path, "plugin.sequence.org.dspace.content.format.FormatIdentifier = "
                                  "org.dspace.content.format.JHOVEIdentifier\n")
    assert "unknown format identifier" in problem and "JHOVEIdentifier" in problem


def test_malformed_subtypes_and_css_identifiers(tmp_path: Path) -> None:
    found = errors(tmp_path, """formatIdentifier.TextSubtypeHelper.subtypes = \\
  PRONOM:fmt/96, fmt/101, PRONOM:x-fmt/91 PRONOM:x-fmt/92
formatIdentifier.CSSIdentifier.identifiers = DSpace:CSS
formatIdentifier.TextHeuristicIdentifier.formats.tar = :x
""")
    assert len(found) == 4, found
    assert "bsf.cfg:2" in found[0] and "'fmt/101'" in found[0]
    assert "separate keys with commas" in found[1]
    assert "bsf.cfg:4" in found[2] and "DSpace registry, which is not configured" in found[2]
    assert "bsf.cfg:5" in found[3]


def test_missing_signature_file_and_pronom_dir(tmp_path: Path) -> None:
    found = errors(tmp_path, """formatIdentifier.DROID.signatureFile = ${dspace.dir}/sig.xml
formatRegistry.PRONOM.dir = ${dspace.dir}/PRONOM
""")
    assert len(found) == 2
    assert any("formatRegistry.PRONOM.dir: folder" in f for f in found)
    assert any("sig.xml does not exist" in f for f in found)


def test_typos_and_stray_keys_are_reported(tmp_path: Path) -> None:
    found = errors(tmp_path, """formatRegistry.Provisional.documnet = x.xml
formatRegistry.DSpace.document = x.xml
formatRegistry.GDFR.dir = x
formatIdentifier.DROID.signaturefile = x
formatRegistry.Provisional.validate = maybe
formatRegistry.Provisional.defaultSupportLevel = great
""")
    text = "\n".join(found)
    assert "bsf.cfg:2" in text and "unknown property 'documnet'" in text
    assert "registry DSpace is not configured" in text
    assert "unknown registry name 'GDFR'" in text
    assert "unknown property 'signaturefile'" in text
    assert "must be true or false" in text and "unknown support level" in text
    assert len(found) == 6


def test_undefined_dspace_dir_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bsf.cfg"
    path.write_text("formatRegistry.Provisional.document = ${dspace.dir}/p.xml\n")
    with pytest.raises(ConfigError, match=r"bsf.cfg:1.*dspace.dir"):
        load_format_config(load_settings(path))


def test_configured_keys_must_exist_in_the_registries(dspace_dir: Path) -> None:
    path = example(dspace_dir, "dspace", edit={"DSpace:RealAudio": "DSpace:RealAudio5"})
    config = load_format_config(load_settings(path))
    with pytest.raises(ConfigError) as info:
        load_registry_set(config)
    (problem,) = info.value.problems
    assert problem.line == line_of(path, "formatIdentifier.TextSubtypeHelper.subtypes")
    assert "DSpace:RealAudio5" in problem.message


def test_tar_format_and_validate_flag(dspace_dir: Path) -> None:
    path = example(dspace_dir, "dspace", edit={
        "#formatIdentifier.TextHeuristicIdentifier.formats.tar = PRONOM:x-fmt/265":
        "formatIdentifier.TextHeuristicIdentifier.formats.tar = Provisional:TAR",
        "formatRegistry.DSpace.validate = true": "formatRegistry.DSpace.validate = false",
        "defaultSupportLevel = known": "defaultSupportLevel = supported"})
    config = load_format_config(load_settings(path))
    assert config.tar_format == FormatKey("Provisional", "TAR")
    assert not config.registries["DSpace"].validate
    assert config.registries["DSpace"].default_support_level == SupportLevel.SUPPORTED
    with pytest.raises(ConfigError, match="no configured registry has Provisional:TAR"):
        load_registry_set(config)


def test_bsf_refiner_identifiers_can_be_placed(tmp_path: Path) -> None:
    config = config_from(tmp_path, f"""{SEQUENCE} = \\
  DROID, org.dspace.content.format.JSONIdentifier, bsf.CSVIdentifier, Markdown, TextSubtypeHelper
""")
    assert [s.kind for s in config.identifiers] == ["DROID", "JSON", "CSV", "Markdown",
                                                    "TextSubtypeHelper"]
    assert config.identifiers[2].configured_name == "bsf.CSVIdentifier"


def test_pronom_instruction_signature_line_without_the_file(dspace_dir: Path) -> None:
    path = example(dspace_dir, "pronom", edit={
        "#formatIdentifier.DROID.signatureFile": "formatIdentifier.DROID.signatureFile"})
    with pytest.raises(ConfigError) as info:
        load_format_config(load_settings(path))
    (problem,) = info.value.problems
    assert problem.line == line_of(path, "formatIdentifier.DROID.signatureFile")
    assert "DROID_SignatureFile_V13.xml does not exist" in problem.message


def test_pronom_dir_without_signature_files_keeps_default_data(dspace_dir: Path) -> None:
    (dspace_dir / "config/formats/PRONOM").mkdir()
    path = example(dspace_dir, "pronom", edit={
        "#formatRegistry.PRONOM.dir": "formatRegistry.PRONOM.dir"})
    config = load_format_config(load_settings(path))
    assert config.pronom_dir == dspace_dir / "config/formats/PRONOM"
    assert config.droid_signature_file is None and config.droid_container_file is None


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "formats").mkdir()
    shutil.copy(FORMATS / "provisional-formats.xml", tmp_path / "formats" / "mine.xml")
    path = tmp_path / "bsf.cfg"  # the tests run from the project folder, not tmp_path
    path.write_text("formatRegistry.Provisional.document = formats/mine.xml\n")
    config = load_format_config(load_settings(path))
    assert config.registries["Provisional"].document == tmp_path / "formats" / "mine.xml"
