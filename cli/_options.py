"""The commands' option flags, generated from :mod:`discourse.options`.

Every option of a group becomes one flag named after its flat name (``text_col`` -> ``--text-col``),
with its help text, bounds and default taken from the options model, so a new option reaches the CLI
without touching this package. :func:`takes_options` wraps a command function: the generated flags
are added to its signature, and their values arrive as one checked ``BuildOptions`` (and a
``CompareOptions`` for compare) in the parameter named ``options`` (``compare_options``).
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args, get_origin

import typer

from discourse.options import BuildOptions, CompareOptions, OptionSpec, option_specs

__all__ = ["flag_of", "option_parameters", "takes_options"]


def flag_of(spec: OptionSpec) -> str:
    """The long flag of an option: ``--`` and its flat name with dashes."""
    return "--" + spec.name.replace("_", "-")


def _base_type(tp: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed)."""
    args = get_args(tp)
    if type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return tp, False


def _parameter(spec: OptionSpec, default: Any) -> inspect.Parameter:
    tp, optional = _base_type(spec.type)
    help_text = spec.help
    decls = [flag_of(spec)]
    extra: dict[str, Any] = {}
    if tp is bool:
        decls = [f"{flag_of(spec)}/--no-{spec.name.replace('_', '-')}"]
        cli_type: Any = bool | None if optional else bool
        if optional:
            extra["show_default"] = False
    elif tp is dict or get_origin(tp) is dict:
        cli_type = list[str] | None          # KEY=VALUE, repeatable
        default = None
    elif get_origin(tp) is Literal:
        cli_type = str | None if optional else str
        choices = ", ".join(map(str, get_args(tp)))
        if choices not in help_text:
            help_text += f" One of: {choices}."
    else:
        cli_type = tp | None if optional else tp
        if spec.min is not None:
            extra["min"] = spec.min
        if spec.max is not None:
            extra["max"] = spec.max
    if spec.short:
        decls.append(spec.short)
    if spec.metavar:
        extra["metavar"] = spec.metavar
    info = typer.Option(*decls, help=help_text, rich_help_panel=spec.panel, **extra)
    return inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=Annotated[cli_type, info])


def option_parameters(specs: list[OptionSpec], base: dict[str, Any]) -> list[inspect.Parameter]:
    """One typer parameter per option, its default taken from ``base`` (flat values)."""
    return [_parameter(s, base.get(s.name, s.default)) for s in specs]


def _from_cli(spec: OptionSpec, value: Any) -> Any:
    if spec.name == "page_layout":
        from discourse.io.flatpage import parse_layout_overrides

        return parse_layout_overrides(value or [])
    return value


def takes_options(*groups: str, compare: bool = False, base: BuildOptions | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the flags of ``groups`` (every build group when none is named; plus compare's own with
    ``compare``) to a command, whose function receives them as ``options`` (and
    ``compare_options``). Defaults come from ``base``."""
    base = base or BuildOptions()
    specs = option_specs(*groups, compare=compare)
    defaults = {**base.flat(), **CompareOptions().to_dict()}

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        own = [p for p in inspect.signature(func).parameters.values() if p.name not in ("options", "compare_options")]
        hints = typing.get_type_hints(func, include_extras=True)
        own = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in own]
        params = own + option_parameters(specs, defaults)

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            from discourse.cli._common import handled

            raw = {s.name: kwargs.pop(s.name) for s in specs}
            with handled():
                values = {s.name: _from_cli(s, raw[s.name]) for s in specs}
                options, rest = base.split(**values)
                if compare:
                    kwargs["compare_options"] = CompareOptions().replace(**rest)
            return func(options=options, **kwargs)

        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return wrap
