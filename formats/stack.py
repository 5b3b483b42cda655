"""The identifier stack: run the configured identifiers in order and decide one answer.

Precedence (the one rule every caller relies on):

1. A zero-byte sample is answered at once: ``Match(None, UNIDENTIFIED, "IdentifierStack",
   basis="empty file", warning="empty file (0 bytes)")``. No identifier runs.
2. Identifiers run in configured order; each is given ``previous`` = the running best answer.
3. An ordinary identifier's answer replaces the running best only when its confidence is
   **strictly higher**. Ties keep the earlier answer: the configured order is the operator's
   statement of trust.
4. A *refiner* (``refines = True``: CSSIdentifier, the JSON/CSV/Markdown identifiers,
   TextSubtypeHelper) only answers when it can make the running best more specific (generic
   text, an extension-only guess, or nothing), and its answer replaces the running best when its
   confidence is **greater than or equal**. So CSS found by parsing replaces "plain text" found
   by the text heuristic, both HEURISTIC. Refiners never override a byte signature.
5. TextSubtypeHelper (``must_be_last``) must be the last identifier; the stack refuses to be
   built otherwise.
6. If nothing identified the sample, the answer is the best UNIDENTIFIED answer an identifier
   gave (DROID's ``no match; possibilities based on extension are ...``), else
   ``Match(None, UNIDENTIFIED, "IdentifierStack", warning="no match")``.
7. An identified answer of HEURISTIC or better without a warning gets ``extension mismatch``
   when the name has an extension that the format (and its synonyms) does not list.

``identify`` skips an identifier whose ``max_confidence`` (a class attribute; identifiers
without one always run) could not be accepted over the running best -- e.g. the text heuristic
after a byte-signature match -- which is the same decision, only cheaper. ``explain`` runs every
identifier so the workbench shows what each would say.

An identifier that fails with an unexpected exception is skipped and named in the warning
(one odd bitstream must not stop a 100,000-bitstream run); ``OSError`` (the file cannot be
read) propagates to the caller, which reports it. Bounds a crafted file broke while it was
read (``Sample.problems``: a container chain that loops, a read budget used up) are added to
the warning too: the answer is what the bytes read before the bound say.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bsfcore.errors import ConfigError
from bsfcore.settings import Settings
from formats.identifiers.common import extensions_of, join
from formats.model import Confidence, Identifier, Match, Sample
from registries.model import FormatKey, RegistrySet

STACK_SOURCE = "IdentifierStack"
EMPTY_WARNING = "empty file (0 bytes)"

log = logging.getLogger(__name__)


def empty_match() -> Match:
    return Match(None, Confidence.UNIDENTIFIED, STACK_SOURCE, "empty file", EMPTY_WARNING)


def no_match() -> Match:
    return Match(None, Confidence.UNIDENTIFIED, STACK_SOURCE, "", "no match")


def _accepts(identifier: Identifier, answer: Match, best: Match | None) -> bool:
    if best is None:
        return True
    if not answer.identified:
        return not best.identified and not best.warning and bool(answer.warning)
    if not best.identified:
        return True
    if getattr(identifier, "refines", False):
        return answer.confidence >= best.confidence
    return answer.confidence > best.confidence


def _hopeless(identifier: Identifier, best: Match) -> bool:
    """True when even the identifier's best possible answer would not be accepted."""
    ceiling = getattr(identifier, "max_confidence", None)
    if ceiling is None or not best.identified:
        return False
    if getattr(identifier, "refines", False):
        return bool(ceiling < best.confidence)
    return bool(ceiling <= best.confidence)


#: (identifier, its max_confidence or None, whether it refines)
_Traits = tuple[Identifier, Confidence | None, bool]


class IdentifierStack:
    """The configured identifiers in order; ``identify`` decides, ``explain`` shows the turns."""

    def __init__(self, identifiers: Sequence[Identifier],
                 registries: RegistrySet | None = None) -> None:
        self.identifiers: tuple[Identifier, ...] = tuple(identifiers)
        self.registries = registries
        self._extensions: dict[FormatKey, frozenset[str]] = {}   # per-key cache for rule 7
        self._traits_cache: tuple[tuple[Identifier, ...], tuple[_Traits, ...]] | None = None
        for position, identifier in enumerate(self.identifiers):
            if getattr(identifier, "must_be_last", False) and position != len(self.identifiers) - 1:
                raise ConfigError.at(None, None, f"{identifier.name} must be the last identifier "
                                     "of the stack (plugin.sequence.org.dspace.content.format."
                                     "FormatIdentifier); it is number "
                                     f"{position + 1} of {len(self.identifiers)}")

    def _traits(self) -> tuple[_Traits, ...]:
        """(identifier, max_confidence, refines) per identifier, cached per identifier tuple."""
        cached = self._traits_cache
        if cached is None or cached[0] is not self.identifiers:
            traits = tuple((i, getattr(i, "max_confidence", None),
                            bool(getattr(i, "refines", False))) for i in self.identifiers)
            cached = self._traits_cache = (self.identifiers, traits)
        return cached[1]

    def describe(self) -> list[str]:
        """The configured names, in order."""
        return [identifier.name for identifier in self.identifiers]

    def identify(self, sample: Sample) -> Match:
        """The stack's answer for ``sample``; never None (Unknown is an UNIDENTIFIED Match)."""
        return self._run(sample, None, fast=True)

    def explain(self, sample: Sample) -> list[tuple[str, Match | None]]:
        """What each identifier answered at its turn (given the running best), then the decision.

        The list has one ``(configured name, answer or None)`` per identifier and ends with
        ``("IdentifierStack", final Match)``. For an empty file it is only the final entry.
        """
        steps: list[tuple[str, Match | None]] = []
        final = self._run(sample, steps)
        steps.append((STACK_SOURCE, final))
        return steps

    def _run(self, sample: Sample, steps: list[tuple[str, Match | None]] | None,
             fast: bool = False) -> Match:
        if sample.size == 0:
            return empty_match()
        best: Match | None = None
        failures: list[str] = []
        for identifier, ceiling, refines in self._traits():
            if fast and ceiling is not None and best is not None and best.identified and (
                    ceiling < best.confidence if refines else ceiling <= best.confidence):
                continue   # _hopeless, with the attributes looked up once per stack
            try:
                answer = identifier.identify(sample, best)
            except (OSError, MemoryError, KeyboardInterrupt):
                raise
            except Exception as exc:  # a bug or hostile bytes in one identifier
                log.warning("%s failed on %r: %s", identifier.name, sample.name, exc)
                failures.append(f"{identifier.name} failed: {type(exc).__name__}: {exc}")
                answer = None
            if steps is not None:
                steps.append((identifier.name, answer))
            if answer is not None and _accepts(identifier, answer, best):
                best = answer
        final = best if best is not None else no_match()
        final = self._mismatch(sample, final)
        if failures or sample.problems:
            final = final.with_(warning=join(final.warning, *failures,
                                             *dict.fromkeys(sample.problems)))
        return final

    def _mismatch(self, sample: Sample, match: Match) -> Match:
        if (match.key is None or match.warning or match.confidence < Confidence.HEURISTIC
                or self.registries is None or not sample.extension):
            return match
        known = self._extensions.get(match.key)
        if known is None:
            known = self._extensions[match.key] = frozenset(
                extensions_of(match.key, self.registries))
        if known and sample.extension not in known:
            return match.with_(warning="extension mismatch")
        return match


def build_stack(config: object, registries: RegistrySet) -> IdentifierStack:
    """The stack a :class:`registries.config.FormatConfig` describes, over ``registries``."""
    from formats.identifiers.factory import make_identifiers

    return IdentifierStack(make_identifiers(config, registries), registries)


def stack_from_settings(settings: Settings) -> tuple[IdentifierStack, RegistrySet]:
    """Load the configured registries and build their stack (the PRONOM case with no config)."""
    from registries.config import load_format_config
    from registries.loader import load_registry_set

    config = load_format_config(settings)
    registries = load_registry_set(config)
    return build_stack(config, registries), registries
