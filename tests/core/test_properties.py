from pathlib import Path

import pytest

from bsfcore.errors import ConfigError
from bsfcore.properties import Properties, load_properties, parse_properties
from bsfcore.settings import load_settings


def test_continuation_interpolation_and_comments(tmp_path: Path) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(
        "# comment\n"
        "dspace.dir = /srv/dspace\n"
        "formatRegistry.DSpace.document = ${dspace.dir}/config/formats/dspace-formats.xml\n"
        "plugin.sequence.org.dspace.content.format.FormatIdentifier = \\\n"
        "    org.dspace.content.format.DROIDIdentifier, \\\n"
        "    org.dspace.content.format.TextSubtypeHelper\n"
    )
    props = load_properties(cfg)
    assert props["formatRegistry.DSpace.document"] == \
        "/srv/dspace/config/formats/dspace-formats.xml"
    assert props.get_list("plugin.sequence.org.dspace.content.format.FormatIdentifier") == [
        "org.dspace.content.format.DROIDIdentifier",
        "org.dspace.content.format.TextSubtypeHelper",
    ]
    assert props.where("dspace.dir") == (str(cfg), 2)


def test_malformed_lines_are_all_reported_with_line_numbers() -> None:
    with pytest.raises(ConfigError) as err:
        parse_properties("a = 1\nthis is not a property\n\nalso broken\n", "x.cfg")
    assert [p.line for p in err.value.problems] == [2, 4]
    assert "x.cfg:2" in str(err.value)


def test_undefined_interpolation_names_file_and_line() -> None:
    props = Properties(parse_properties("a = ${nope}/x\n", "y.cfg"), "y.cfg")
    with pytest.raises(ConfigError, match=r"y.cfg:1: .*\$\{nope\}"):
        props["a"]


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text("db.url = sqlite:///x.db\nformatRegistery.DSpace.document = x\n")
    with pytest.raises(ConfigError, match=r"bsf.cfg:2: unknown configuration key"):
        load_settings(cfg)


def test_missing_config_and_assetstore(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.cfg")
    with pytest.raises(ConfigError, match="asset store folder"):
        load_settings(None, assetstore=tmp_path / "nostore", environ={})


def test_assetstores_numbered(tmp_path: Path) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"dspace.dir = {tmp_path}\nassetstore.dir.1 = {tmp_path}/s1\n")
    stores = load_settings(cfg).assetstore_dirs()
    assert stores == {0: tmp_path / "assetstore", 1: tmp_path / "s1"}
