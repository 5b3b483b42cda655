"""Every command's ``--help`` is something a person can use (walks the whole command tree).

For each command and group: a description, an ``Example:`` block whose lines are real ``bsf``
command lines, no type-name metavars (``<bool>``, ``<list[str]>``, ``<int>`` ...), nothing
wider than 80 columns, and the description's paragraphs rendered whole (no line break in the
middle of a sentence) when the terminal is wide.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import pytest
import typer
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from bsf.helptext import BsfCommand, BsfGroup
from bsf.main import app

#: bsf's global options, which examples may put between ``bsf`` and the command
GLOBALS = re.compile(r"\bbsf(?: (?:--config|-c|--db|--assetstore) \S+| --quiet| -q| --debug)+")
TYPE_NAME = re.compile(r"<[a-z][a-z_\[\]|, ]*(?: range)?>")
#: Commands another issue owns and rewrites; their help is made to conform at integration.
#: strict xfail: the day they conform, this list must shrink.
OWNED_ELSEWHERE: dict[tuple[str, ...], str] = {}


Command = TyperCommand | TyperGroup


def _tree(command: Command, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], Command]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            assert isinstance(sub, TyperCommand | TyperGroup)
            yield from _tree(sub, (*path, name))


ROOT = typer.main.get_command(app)
assert isinstance(ROOT, TyperGroup)
COMMANDS = dict(_tree(ROOT))


def _params(*, owned_xfail: bool = False) -> list[object]:
    out: list[object] = []
    for path in COMMANDS:
        marks = [pytest.mark.xfail(reason=OWNED_ELSEWHERE[path], strict=True)] \
            if owned_xfail and path in OWNED_ELSEWHERE else []
        out.append(pytest.param(path, id=" ".join(("bsf", *path)), marks=marks))
    return out


def _help(path: tuple[str, ...], columns: int) -> str:
    # COLUMNS only: typer reads TERMINAL_WIDTH once, when its help module is first imported
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_tree_is_complete() -> None:
    names = {" ".join(p) for p in COMMANDS}
    for expected in ("demo", "doctor", "workbench show", "registry subtypes add", "report summary",
                     "upgrade phase2", "replicate restore-bag", "archive update-sequences"):
        assert expected in names
    assert all(isinstance(c, BsfCommand | BsfGroup) for c in COMMANDS.values())


@pytest.mark.parametrize("path", _params(owned_xfail=True))
def test_help_has_an_example_and_word_metavars(path: tuple[str, ...]) -> None:
    text = _help(path, 80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert not TYPE_NAME.findall(text), TYPE_NAME.findall(text)
    start = next((i for i, line in enumerate(lines) if line.strip() == "Example:"), None)
    assert start is not None, f"no Example: block in bsf {' '.join(path)} --help"
    examples = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        examples.append(line.strip())
    assert examples and all(re.search(r"(^|\| )bsf\b", x) for x in examples), examples
    wanted = " ".join(("bsf", *path))
    assert any(wanted in GLOBALS.sub("bsf", x) for x in examples), (
        f"no example uses {wanted}: {examples}")


@pytest.mark.parametrize("path", _params())
def test_help_paragraphs_are_not_broken_mid_sentence(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    raw = inspect.cleandoc(_source_help(command))
    rendered = _help(path, 3000).splitlines()
    for paragraph in raw.split("\n\n"):
        prose = [line for line in paragraph.splitlines() if not line.startswith((" ", "\t"))]
        if len(prose) < 2 or prose[-1].endswith(":"):
            continue
        joined = " ".join(line.strip() for line in prose)
        assert any(joined in line for line in rendered), (
            f"paragraph broken into lines in bsf {' '.join(path)} --help: {joined[:60]}...")


def _source_help(command: Command) -> str:
    """The help as written in the source: the callback's docstring or the help= string."""
    callback = getattr(command, "callback", None)
    doc = inspect.getdoc(callback) if callback is not None else None
    return doc or command.help or ""
