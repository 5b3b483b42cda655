"""registries.listing.search_formats: by name, key, PUID, extension, MIME type, or any."""

from __future__ import annotations

import pytest

from bsfcore.errors import BsfError
from registries.listing import search_formats
from registries.model import Format, FormatKey, Registry, RegistrySet

HTML = Format((FormatKey("PRONOM", "fmt/96"),), "Hypertext Markup Language", "4.0",
              mime_type="text/html", extensions=("html", "htm"))
TEXT = Format((FormatKey("PRONOM", "x-fmt/111"),), "Plain Text File", mime_type="text/plain",
              extensions=("txt",))
HTM = Format((FormatKey("Provisional", "HTM"), FormatKey("PRONOM", "fmt/96")), "HTM",
             extensions=("htm",))
SET = RegistrySet([Registry("PRONOM", [HTML, TEXT]), Registry("Provisional", [HTM])])


def keys(found: list[Format]) -> list[str]:
    return [str(f.key) for f in found]


def test_each_field():
    assert keys(search_formats(SET, "hypertext", "name")) == ["PRONOM:fmt/96"]
    assert keys(search_formats(SET, "Provisional:HTM", "key")) == ["Provisional:HTM"]
    assert keys(search_formats(SET, "fmt/96", "puid")) == ["PRONOM:fmt/96", "Provisional:HTM"]
    assert keys(search_formats(SET, ".HTM", "ext")) == ["PRONOM:fmt/96", "Provisional:HTM"]
    assert keys(search_formats(SET, "text/plain; charset=x", "mime")) == ["PRONOM:x-fmt/111"]
    assert keys(search_formats(SET, "text", "any")) == ["PRONOM:fmt/96", "PRONOM:x-fmt/111"]
    assert search_formats(SET, "  ", "any") == []


def test_unknown_field_is_refused():
    with pytest.raises(BsfError, match="cannot search formats by"):
        search_formats(SET, "x", "colour")
