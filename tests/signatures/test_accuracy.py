"""Skeleton-suite accuracy thresholds with V118 + container-signature-20240501 (issue 4)."""

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
