"""Skeleton-suite accuracy: V118 + container-signature-20240501 (issue 4), and the shipped pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.accuracy import expected_puid, measure


def test_expected_puid_from_file_names() -> None:
    assert expected_puid("fmt-40-signature-id-107.doc") == "fmt/40"
    assert expected_puid("x-fmt-263-signature-id-200.zip") == "x-fmt/263"
    assert expected_puid("fmt-412-container-signature-id-1030.docx") == "fmt/412"
    assert expected_puid("README") is None


def test_skeleton_suite_accuracy(shared_dir: Path) -> None:
    pronom = shared_dir / "pronom"
    suite = pronom / "skeleton-suite"
    if not suite.is_dir():
        pytest.skip("PRONOM skeleton suite not present")
    result = measure(suite, pronom / "DROID_SignatureFile_V118.xml",
                     pronom / "container-signature-20240501.xml")
    assert result.known_total > 2000 and result.container_total > 250
    assert result.known_rate >= 0.99, result.misses[:20]
    assert result.container_rate == 1.0, [m for m in result.misses if "containers" in m[0]]


def test_the_shipped_pair_on_the_older_skeleton_suite(shared_dir: Path) -> None:
    """The suite was made for V118; the shipped V122 misses only what PRONOM changed since."""
    from registries.packaged import packaged_formats_dir

    suite = shared_dir / "pronom" / "skeleton-suite"
    if not suite.is_dir():
        pytest.skip("PRONOM skeleton suite not present")
    result = measure(suite, packaged_formats_dir() / "DROID_SignatureFile_V122.xml",
                     packaged_formats_dir() / "container-signature-20260119.xml")
    assert result.container_rate == 1.0
    missed = {Path(m[0]).name for m in result.misses}
    # signature 78 (fmt/61) is gone from V122, the other five signatures were rewritten
    assert missed == {"fmt-1651-signature-id-1987.fit", "fmt-1915-signature-id-2265.mso",
                      "fmt-1968-signature-id-2317.aea", "fmt-61-signature-id-78.xls",
                      "fmt-935-signature-id-1279.png", "x-fmt-39-signature-id-546.dbq"}
