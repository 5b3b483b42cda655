"""How ``--help`` reads: whole paragraphs, word metavars, no type names, examples kept as lines.

Docstrings are written for the source (wrapped at 100 columns, an ``Example:`` block indented
by four spaces). typer keeps a docstring's line breaks inside every paragraph after the first,
so a paragraph would come out broken mid-sentence at any terminal width; and this typer labels
every parameter with its Python type (``<bool>`` on flags, ``<list[str]>`` ...). :func:`polish`
walks the typer app once, before it is turned into click commands, and gives every command and
group the classes below, which

* join the lines of each prose paragraph (rich then wraps it to the terminal's width), keep
  indented lines (examples) and list items (``* ``, ``- ``) as lines, and escape rich markup so
  ``[-v]`` in a usage sketch stays text;
* show an option's metavar (``FILE``, ``N``, ``URL``) and nothing for flags, the help option
  and arguments (whose name column already shows their metavar);
* write arguments in the usage line as ``ID`` / ``[ID]`` instead of typer's ``{ID}``.

It is presentation only: parsing, defaults and errors are typer's.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.models import DefaultPlaceholder

_LIST_ITEM = re.compile(r"^(\* |- |\d+\. )")


def normalise_help(text: str | None) -> str | None:
    """``text`` with each prose paragraph on one line; indented lines and list items kept."""
    if not text:
        return text
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines: list[str] = []
        for raw in block.split("\n"):
            line = raw.rstrip()
            indented = line[:1] in (" ", "\t")
            if lines and not indented and not _LIST_ITEM.match(line) \
                    and lines[-1][:1] not in (" ", "\t") and not lines[-1].endswith(":"):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line)
        from rich.markup import escape  # only when help is shown: start-up stays small

        paragraphs.append("\n".join(escape(line) for line in lines))
    return "\n\n".join(paragraphs)


_Kind = TypeVar("_Kind")


def _no_type(ctx: Any) -> None:
    return None


def _plain_param(param: Any) -> None:
    """Give one click parameter bsf's display: metavar words, nothing for flags/arguments."""
    if "display_type_rich" in vars(param):
        return
    if isinstance(param, TyperArgument):
        vars(param)["display_type_rich"] = _no_type
        vars(param)["_usage_display_name"] = _usage_name(param)
        param.type = _untyped(param.type)
    elif isinstance(param, TyperOption) and (param.is_flag or param.count):
        vars(param)["display_type_rich"] = _no_type


def _untyped(kind: _Kind) -> _Kind:
    """A copy of an argument's type that names no type in help (``<str>``, ``<path>``): the
    argument's metavar word says what it is. Rich help asks the type for its metavar on some
    typer releases and the parameter on others, so both are covered."""
    quiet = copy.copy(kind)
    vars(quiet)["get_metavar"] = lambda *args, **kwargs: ""
    return quiet


def _usage_name(param: TyperArgument) -> Callable[[], str]:
    def usage() -> str:
        name = param.metavar or (param.name or "").upper()
        if param.nargs != 1:
            name += "..."
        return name if param.required else f"[{name}]"
    return usage


def _polish(command: TyperCommand | TyperGroup) -> None:
    for param in command.params:
        _plain_param(param)


def _normalise(command: TyperCommand | TyperGroup) -> None:
    """Normalise a command's help text the first time help is shown, not when the command is
    built: a command that only runs (``bsf identify FILE``) never pays for rich's markup."""
    if not vars(command).get("_bsf_normalised"):
        command.help = normalise_help(command.help)
        vars(command)["_bsf_normalised"] = True


class BsfCommand(TyperCommand):
    """A typer command with bsf's help display."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _polish(self)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _normalise(self)
        super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        _normalise(self)
        return super().get_short_help_str(limit)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            _plain_param(option)
        return option


class BsfGroup(TyperGroup):
    """A typer group with bsf's help display."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _polish(self)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _normalise(self)
        super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        _normalise(self)
        return super().get_short_help_str(limit)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            _plain_param(option)
        return option


def _unset(value: object, default: type) -> bool:
    """True when typer would use its own class (unset, a placeholder, or typer's default)."""
    return value is None or value is default or isinstance(value, DefaultPlaceholder)


def polish(app: typer.Typer) -> None:
    """Give every command and group of ``app`` (recursively) bsf's help classes."""
    if _unset(app.info.cls, TyperGroup):
        app.info.cls = BsfGroup
    for command in app.registered_commands:
        if _unset(command.cls, TyperCommand):
            command.cls = BsfCommand
    for group in app.registered_groups:
        if _unset(group.cls, TyperGroup):
            group.cls = BsfGroup
        if group.typer_instance is not None:
            polish(group.typer_instance)
