"""Interpolation is bounded: depth, size and cycles are one ConfigError with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bsfcore.errors import ConfigError
from bsfcore.properties import MAX_DEPTH, MAX_VALUE, load_properties
from bsfcore.settings import load_settings


def cfg(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bsf.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_issue_doubling_keys_stop_at_the_size_limit(tmp_path: Path) -> None:
    path = cfg(tmp_path, "".join(f"bsf.k{i} = ${{bsf.k{i + 1}}}${{bsf.k{i + 1}}}\n"
                                 for i in range(30)) + "bsf.k30 = x\n")
    props = load_properties(path)
    with pytest.raises(ConfigError, match=rf"bsf.cfg:10: bsf.k9 expands to more than "
                                          rf"{MAX_VALUE} characters"):
        props["bsf.k0"]
    assert props["bsf.k20"] == "x" * 1024  # shared references expand once each


def test_the_issue_400_link_chain_stops_at_the_depth_limit(tmp_path: Path) -> None:
    path = cfg(tmp_path, "".join(f"k{i} = ${{k{i + 1}}}\n" for i in range(400)) + "k400 = end\n")
    props = load_properties(path)
    with pytest.raises(ConfigError, match=rf"bsf.cfg:{MAX_DEPTH + 1}: \$\{{...\}} references "
                                          rf"nest deeper than {MAX_DEPTH} \(from k0 down to "
                                          rf"k{MAX_DEPTH}\)"):
        props["k0"]
    assert props[f"k{400 - MAX_DEPTH + 1}"] == "end"


def test_a_long_value_without_references_and_a_wide_fan_out(tmp_path: Path) -> None:
    path = cfg(tmp_path, f"big = {'y' * (MAX_VALUE + 1)}\n"
                         "a = 12345678\n" + "b = " + "${a}" * (MAX_VALUE // 8 + 1) + "\n")
    props = load_properties(path)
    with pytest.raises(ConfigError, match=r"bsf\.cfg:1: big expands to more than"):
        props["big"]
    with pytest.raises(ConfigError, match=r"bsf\.cfg:3: b expands to more than"):
        props["b"]


def test_cycles_are_still_caught_and_the_cli_settings_say_where(tmp_path: Path) -> None:
    path = cfg(tmp_path, "dspace.dir = ${assetstore.dir}\nassetstore.dir = ${dspace.dir}\n")
    with pytest.raises(ConfigError, match=r"bsf.cfg:\d: circular"):
        load_settings(path).assetstore_dirs()


def test_many_continuation_lines_stay_linear(tmp_path: Path) -> None:
    lines = "".join(f"  v{i}, \\\n" for i in range(50_000))
    path = cfg(tmp_path, f"long.list = \\\n{lines}  last\n")
    assert load_properties(path).get_list("long.list")[-1] == "last"
