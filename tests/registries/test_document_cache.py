"""Registry documents parsed once per content: later processes load them from the user cache.

``bsf identify FILE`` reads the Provisional registry at every start; parsing it means importing
lxml (a tenth of a short run). The cache must never hide an edit or an error.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import registries.dsr as dsr
import registries.loader as loader
from bsfcore.errors import RegistryError
from registries.config import RegistrySpec
from registries.model import FormatKey, Registry
from registries.packaged import packaged_formats_dir


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """Each real parse of a document, with a private cache folder and no in-process cache."""
    monkeypatch.setenv("BSF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(loader, "_cache", {})
    seen: list[Path] = []
    real = dsr.load_registry_document

    def counting(path: Path, *args: Any, **kwargs: Any) -> Registry:
        seen.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(dsr, "load_registry_document", counting)
    return seen


def _spec(document: Path) -> RegistrySpec:
    return RegistrySpec("Provisional", "Provisional", "ProvisionalFormatRegistry",
                        document=document)


def _load(document: Path) -> Registry:
    loader._cache.clear()   # as a new process would
    return loader.load_registry(_spec(document), None)  # type: ignore[arg-type]


def test_the_same_content_is_parsed_once_and_an_edit_again(parses: list[Path],
                                                           tmp_path: Path) -> None:
    document = tmp_path / "provisional-formats.xml"
    shutil.copy(packaged_formats_dir() / "provisional-formats.xml", document)
    first = _load(document)
    second = _load(document)
    assert parses == [document]
    assert sorted(f.key for f in first) == sorted(f.key for f in second)
    text = document.read_text(encoding="utf-8")
    document.write_text(text.replace("</dsr:format-registry>", """<dsr:entry>
<dsr:name>Cache test</dsr:name>
<dsr:external-identifiers><dsr:identifier>Provisional:CACHETEST</dsr:identifier>
</dsr:external-identifiers>
<dsr:external-signatures><dsr:extension>cachetest</dsr:extension></dsr:external-signatures>
</dsr:entry>
</dsr:format-registry>"""), encoding="utf-8")
    edited = _load(document)
    assert len(parses) == 2
    assert FormatKey("Provisional", "CACHETEST") in {f.key for f in edited}


def test_a_broken_document_is_reported_every_time(parses: list[Path], tmp_path: Path) -> None:
    document = tmp_path / "broken.xml"
    document.write_text("<format-registry><format>", encoding="utf-8")
    for attempt in (1, 2):
        with pytest.raises(RegistryError, match=r"broken\.xml"):
            _load(document)
        assert len(parses) == attempt
