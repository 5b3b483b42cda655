"""The stack: order, precedence, empty and unknown answers, explain, failures, build_stack."""

from __future__ import annotations

import pickle

import pytest

from bsfcore.errors import ConfigError
from formats.identifiers.factory import make_identifiers
from formats.model import Confidence, Match, Sample
from formats.stack import STACK_SOURCE, IdentifierStack, build_stack
from tests.formats.helpers import (
    FakeConfig,
    FakeDroid,
    Fixed,
    Spec,
    dspace_set,
    key,
    pronom_set,
)

J = "org.dspace.content.format."
PRONOM_STACK = [Spec("DROID", J + "DROIDIdentifier"),
                Spec("TextHeuristic", J + "TextHeuristicIdentifier"),
                Spec("CSS", J + "CSSIdentifier"),
                Spec("Provisional", J + "ProvisionalFormatRegistry"),
                Spec("TextSubtypeHelper", J + "TextSubtypeHelper")]


def s(data: bytes, name: str) -> Sample:
    return Sample.from_bytes(data, name)


def m(k: str | None, c: Confidence, src: str = "x", warning: str = "") -> Match:
    return Match(key(k) if k else None, c, src, "basis", warning)


def pronom_stack(monkeypatch: pytest.MonkeyPatch, registries=None, subtypes=None,
                 options=None) -> IdentifierStack:
    """The instructions' PRONOM stack with a fake DROID (the real one is the pronom helper's)."""
    import formats.identifiers.factory as factory

    real = factory._make

    def make(kind, name, config, regs, text_formats, generic):
        if kind == "DROID":
            return FakeDroid(name)
        return real(kind, name, config, regs, text_formats, generic)

    monkeypatch.setattr(factory, "_make", make)
    registries = registries or pronom_set()
    config = FakeConfig(PRONOM_STACK, css_identifiers=[key("PRONOM:x-fmt/224")],
                        subtypes=subtypes if subtypes is not None else
                        [key("PRONOM:x-fmt/224"), key("PRONOM:fmt/96"), key("PRONOM:fmt/101")],
                        options=options or {})
    return build_stack(config, registries)


# --- precedence --------------------------------------------------------------------------------

def test_higher_confidence_replaces_ties_keep_the_earlier() -> None:
    stack = IdentifierStack([Fixed("a", m("PRONOM:x-fmt/111", Confidence.EXTENSION, "a")),
                             Fixed("b", m("PRONOM:fmt/18", Confidence.HEURISTIC, "b")),
                             Fixed("c", m("PRONOM:fmt/43", Confidence.HEURISTIC, "c")),
                             Fixed("d", m("PRONOM:fmt/96", Confidence.EXTENSION, "d"))])
    assert stack.identify(s(b"x", "f")).source == "b"


def test_refiner_replaces_at_equal_confidence_but_not_lower() -> None:
    text = Fixed("t", m("PRONOM:x-fmt/111", Confidence.HEURISTIC, "t"))
    equal = Fixed("r", m("PRONOM:x-fmt/224", Confidence.HEURISTIC, "r"), refines=True)
    lower = Fixed("l", m("PRONOM:fmt/96", Confidence.EXTENSION, "l"), refines=True)
    assert IdentifierStack([text, equal]).identify(s(b"x", "f")).source == "r"
    assert IdentifierStack([text, lower]).identify(s(b"x", "f")).source == "t"


def test_empty_file_is_answered_without_running_identifiers() -> None:
    boom = Fixed("boom", None)
    boom.identify = lambda sample, previous: (_ for _ in ()).throw(AssertionError("ran"))  # type: ignore[method-assign]
    result = IdentifierStack([boom]).identify(s(b"", "empty.pdf"))
    assert result.key is None and result.confidence == Confidence.UNIDENTIFIED
    assert (result.source, result.basis, result.warning) == (STACK_SOURCE, "empty file",
                                                            "empty file (0 bytes)")


def test_unknown_keeps_the_most_informative_warning() -> None:
    droid = Fixed("droid", m(None, Confidence.UNIDENTIFIED, "droid",
                             "no match; possibilities based on extension are fmt/1, fmt/2"))
    result = IdentifierStack([Fixed("none", None), droid]).identify(s(b"x", "f.bin"))
    assert result.warning.startswith("no match; possibilities") and result.source == "droid"
    bare = IdentifierStack([Fixed("none", None)]).identify(s(b"x", "f"))
    assert (bare.key, bare.source, bare.warning) == (None, STACK_SOURCE, "no match")


def test_failing_identifier_is_skipped_and_named() -> None:
    class Broken:
        name = "broken"

        def identify(self, sample: Sample, previous: Match | None) -> Match | None:
            raise ValueError("bad bytes")

    ok = Fixed("ok", m("PRONOM:fmt/18", Confidence.POSITIVE_SPECIFIC, "ok"))
    result = IdentifierStack([Broken(), ok]).identify(s(b"x", "a.pdf"))
    assert result.key == key("PRONOM:fmt/18")
    assert "broken failed: ValueError: bad bytes" in result.warning


def test_unreadable_file_propagates_oserror() -> None:
    class Unreadable:
        name = "u"

        def identify(self, sample: Sample, previous: Match | None) -> Match | None:
            raise PermissionError("denied")

    with pytest.raises(PermissionError):
        IdentifierStack([Unreadable()]).identify(s(b"x", "f"))


def test_subtype_helper_must_be_last(monkeypatch: pytest.MonkeyPatch) -> None:
    from formats.identifiers.subtype import TextSubtypeHelper

    helper = TextSubtypeHelper("sub", [], pronom_set())
    with pytest.raises(ConfigError, match="must be the last"):
        IdentifierStack([helper, Fixed("x", None)])


def test_extension_mismatch_added_for_content_answers() -> None:
    regs = pronom_set()
    css = Fixed("css", Match(key("PRONOM:x-fmt/224"), Confidence.HEURISTIC, "css", "css parse"))
    result = IdentifierStack([css], regs).identify(s(b"a{b:c}", "notes.txt"))
    assert result.warning == "extension mismatch"
    same = IdentifierStack([css], regs).identify(s(b"a{b:c}", "site.css"))
    assert same.warning == ""


# --- the instructions' PRONOM stack ------------------------------------------------------------

def test_pronom_stack_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = pronom_stack(monkeypatch)
    assert stack.describe()[:3] == [J + "DROIDIdentifier", J + "TextHeuristicIdentifier",
                                    J + "CSSIdentifier"]
    assert "bsf.JSONIdentifier" in stack.describe()
    cases = {
        ("a.pdf", b"%PDF-1.4\nrest"): ("PRONOM:fmt/18", J + "DROIDIdentifier"),
        ("license.txt", b"Licence text\n"): ("PRONOM:x-fmt/111", J + "TextHeuristicIdentifier"),
        ("style.css", b"body { color: red }\n"): ("PRONOM:x-fmt/224", J + "CSSIdentifier"),
        ("weird.css", b"not really css at all\n"): ("PRONOM:x-fmt/224", J + "TextSubtypeHelper"),
        ("data.json", b'{"a": [1, 2]}'): ("PRONOM:fmt/817", "bsf.JSONIdentifier"),
        ("table.txt", b"a,b,c\n1,2,3\n4,5,6\n"): ("PRONOM:x-fmt/18", "bsf.CSVIdentifier"),
        ("blob.bin", b"\x00\x01\x02\x03"): (None, J + "DROIDIdentifier"),  # its "no match"
    }
    for (name, data), (expected, source) in cases.items():
        result = stack.identify(s(data, name))
        assert (str(result.key) if result.key else None, result.source) == (expected, source), name


def test_htm_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed's workaround: Provisional HTM (synonym PRONOM:fmt/96) makes page.htm fmt/96.

    The PRONOM data here mimics the DROID file the instructions complain about: fmt/96 knows
    only ``.html``, and the page is sloppy HTML that no byte signature matches (text to DROID).
    """
    page = b"Sloppy page without html or body tags<br>\n<p>second paragraph</p>\n"
    subtypes = [key("PRONOM:x-fmt/224"), key("PRONOM:fmt/96")]
    before = pronom_stack(monkeypatch, pronom_set(htm_in_pronom=False, htm_entry=False),
                          subtypes)
    old = before.identify(s(page, "page.htm"))
    assert old.key == key("PRONOM:x-fmt/111")          # the problem: only "text"

    after = pronom_stack(monkeypatch, pronom_set(htm_in_pronom=False, htm_entry=True),
                         [*subtypes, key("Provisional:HTM")])
    new = after.identify(s(page, "page.htm"))
    assert new.key == key("PRONOM:fmt/96")
    assert new.source == J + "TextSubtypeHelper"
    assert new.confidence == Confidence.HEURISTIC
    assert new.basis == "text match ASCII; extension match htm"
    steps = dict(after.explain(s(page, "page.htm")))
    assert steps[J + "ProvisionalFormatRegistry"].key == key("PRONOM:fmt/96")   # EXTENSION only
    assert steps[J + "ProvisionalFormatRegistry"].confidence == Confidence.EXTENSION
    # .html files were never the problem and are untouched by the recipe
    assert after.identify(s(page, "page.html")).key == key("PRONOM:fmt/96")


def test_explain_lists_every_turn_then_the_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = pronom_stack(monkeypatch)
    steps = stack.explain(s(b"body { color: red }\n", "style.css"))
    names = [name for name, _ in steps]
    assert names == [*stack.describe(), STACK_SOURCE]
    turns = dict(steps)
    assert turns[J + "TextHeuristicIdentifier"].key == key("PRONOM:x-fmt/111")
    assert turns[J + "CSSIdentifier"].key == key("PRONOM:x-fmt/224")
    assert turns[J + "TextSubtypeHelper"] is None
    assert steps[-1][1].key == key("PRONOM:x-fmt/224")
    assert stack.explain(s(b"", "e")) == [(STACK_SOURCE, stack.identify(s(b"", "e")))]


def test_refiners_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    off = pronom_stack(monkeypatch, options={"formatIdentifier.TextRefiners.kinds": ""})
    assert not any(n.startswith("bsf.") for n in off.describe())
    only = pronom_stack(monkeypatch, options={"formatIdentifier.TextRefiners.kinds": "CSV"})
    assert [n for n in only.describe() if n.startswith("bsf.")] == ["bsf.CSVIdentifier"]
    with pytest.raises(ConfigError, match="unknown refiner"):
        pronom_stack(monkeypatch, options={"formatIdentifier.TextRefiners.kinds": "YAML"})


def test_dspace_stack_and_pickling() -> None:
    specs = [Spec("DSpace", J + "DSpaceFormatRegistry"),
             Spec("TextHeuristic", J + "TextHeuristicIdentifier"),
             Spec("CSS", J + "CSSIdentifier"), Spec("Provisional", J + "ProvisionalFormatRegistry"),
             Spec("TextSubtypeHelper", J + "TextSubtypeHelper")]
    config = FakeConfig(specs, css_identifiers=[key("DSpace:CSS")],
                        subtypes=[key("DSpace:HTML"), key("DSpace:CSS"), key("DSpace:TeX")])
    stack = build_stack(config, dspace_set())
    assert not any(n.startswith("bsf.") for n in stack.describe())   # no JSON/CSV in DSpace 1.5
    clone = pickle.loads(pickle.dumps(stack))
    for st in (stack, clone):
        assert st.identify(s(b"%PDF-1.4\n%%EOF\n", "a.pdf")).key == key("DSpace:Adobe_PDF")
        css = st.identify(s(b"a { color: red }\n", "style.css"))
        assert (css.key, css.source) == (key("DSpace:CSS"), J + "CSSIdentifier")
        tex = st.identify(s(b"just words\n", "paper.tex"))
        assert (tex.key, tex.source) == (key("DSpace:TeX"), J + "TextSubtypeHelper")


def test_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown identifier kind"):
        make_identifiers(FakeConfig([Spec("Tika", "x.Tika")]), pronom_set())


def test_dspace_kind_needs_dspace_registry() -> None:
    with pytest.raises(ConfigError, match="no DSpace registry"):
        make_identifiers(FakeConfig([Spec("DSpace", "d")]), pronom_set())


def test_refiner_formats_are_subtypes_after_the_configured_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    stack = pronom_stack(monkeypatch)
    helper = stack.identifiers[-1]
    assert helper.subtypes[:3] == [key("PRONOM:x-fmt/224"), key("PRONOM:fmt/96"),
                                   key("PRONOM:fmt/101")]
    assert helper.subtypes[3:] == [key("PRONOM:x-fmt/18"), key("PRONOM:x-fmt/13"),
                                   key("PRONOM:fmt/1149")]
    one_column = stack.identify(s(b"names\nalice\nbob\n", "names.csv"))
    assert (one_column.key, one_column.source) == (key("PRONOM:x-fmt/18"),
                                                   J + "TextSubtypeHelper")
    bad_json = stack.identify(s(b"this is not json\n", "broken.json"))
    assert bad_json.key == key("PRONOM:x-fmt/111")      # a failed parse is definitive


def test_identify_skips_hopeless_identifiers_explain_runs_all() -> None:
    calls: list[str] = []

    class Counting(Fixed):
        def identify(self, sample: Sample, previous: Match | None) -> Match | None:
            calls.append(self.name)
            return self.answer

    strong = Counting("droid", m("PRONOM:fmt/18", Confidence.POSITIVE_SPECIFIC, "droid"))
    weak = Counting("text", m("PRONOM:x-fmt/111", Confidence.HEURISTIC, "text"))
    weak.max_confidence = Confidence.HEURISTIC  # type: ignore[attr-defined]
    stack = IdentifierStack([strong, weak])
    assert stack.identify(s(b"x", "a.pdf")).source == "droid" and calls == ["droid"]
    calls.clear()
    assert [n for n, _ in stack.explain(s(b"x", "a.pdf"))] == ["droid", "text", STACK_SOURCE]
    assert calls == ["droid", "text"]
