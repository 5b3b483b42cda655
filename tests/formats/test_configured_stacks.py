"""Stacks built from real configuration files and the packaged registry documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from bsfcore.settings import load_settings
from formats.model import Confidence, Sample
from formats.stack import stack_from_settings
from registries.dsr import write_registry_document
from registries.model import Format, FormatKey
from registries.packaged import packaged_formats_dir

J = "org.dspace.content.format."


def _dspace_dir() -> Path:
    return packaged_formats_dir().parent.parent     # .../config/formats -> project root


def test_instructions_dspace_case(tmp_path: Path) -> None:
    example = (packaged_formats_dir() / "bsf-dspace.cfg.example").read_text()
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(example.replace("dspace.dir = /dspace", f"dspace.dir = {_dspace_dir()}"))
    stack, _ = stack_from_settings(load_settings(cfg, environ={}))
    assert stack.describe() == [J + "DSpaceFormatRegistry", J + "TextHeuristicIdentifier",
                                J + "CSSIdentifier", J + "ProvisionalFormatRegistry",
                                J + "TextSubtypeHelper"]
    cases = {
        ("thesis.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"):
            ("DSpace:Adobe_PDF", Confidence.POSITIVE_GENERIC, "DSpaceFormatRegistry"),
        ("license.txt", b"You grant the repository...\n"):
            ("DSpace:Text", Confidence.HEURISTIC, "DSpaceFormatRegistry"),
        ("style.css", b"h1 { font-weight: bold }\n"):
            ("DSpace:CSS", Confidence.HEURISTIC, "CSSIdentifier"),
        ("paper.tex", b"just words\n"): ("DSpace:TeX", Confidence.HEURISTIC, "TextSubtypeHelper"),
        ("notes", b"plain words, no extension\n"):
            ("DSpace:Text", Confidence.HEURISTIC, "DSpaceFormatRegistry"),
    }
    for (name, data), (key, confidence, source) in cases.items():
        match = stack.identify(Sample.from_bytes(data, name))
        assert (str(match.key), match.confidence, match.source) == (key, confidence, J + source), \
            name
    photo = stack.identify(Sample.from_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40),
                                             "photo.pdf"))
    assert photo.confidence == Confidence.EXTENSION and "extension mismatch" in photo.warning


def test_htm_recipe_through_config_files(tmp_path: Path) -> None:
    provisional = tmp_path / "provisional-formats.xml"
    htm = Format((FormatKey.parse("Provisional:HTM"), FormatKey.parse("PRONOM:fmt/96")), "HTM",
                 mime_type="text/html", extensions=("htm",),
                 description="Temporary problem-solver to recognize htm file extension")
    write_registry_document([htm], provisional, namespace="Provisional")
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"formatRegistry.Provisional.document = {provisional}\n"
                   "formatIdentifier.TextSubtypeHelper.subtypes = PRONOM:x-fmt/224, "
                   "PRONOM:fmt/96, Provisional:HTM\n")
    stack, _ = stack_from_settings(load_settings(cfg, environ={}))
    page = Sample.from_bytes(b"Sloppy page, no html or body tags<br>\n", "page.htm")
    steps = dict(stack.explain(page))
    assert steps[J + "DROIDIdentifier"] is not None
    assert not steps[J + "DROIDIdentifier"].identified         # DROID: no byte match
    assert str(steps[J + "TextHeuristicIdentifier"].key) == "PRONOM:x-fmt/111"
    assert str(steps[J + "ProvisionalFormatRegistry"].key) == "PRONOM:fmt/96"
    final = stack.identify(page)
    assert (str(final.key), final.source) == ("PRONOM:fmt/96", J + "TextSubtypeHelper")


@pytest.mark.parametrize("bad", ["formatIdentifier.TextHeuristicIdentifier.formats.ascii = "
                                 "PRONOM:x-fmt/99999\n",
                                 "formatIdentifier.TextRefiners.kinds = YAML\n"])
def test_bad_identifier_options_are_config_errors(tmp_path: Path, bad: str) -> None:
    from bsfcore.errors import ConfigError

    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(bad)
    with pytest.raises(ConfigError):
        stack_from_settings(load_settings(cfg, environ={}))
