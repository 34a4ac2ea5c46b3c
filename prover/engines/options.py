"""Engine options as dataclasses, and the command-line flags made from them.

Each engine declares one frozen dataclass of options (as vLLM's ``EngineArgs``
does); a field that users may set from the command line is declared with
:func:`option`, which carries its help text. :func:`add_options` turns such a
class into ``argparse`` flags (``max_new_tokens`` -> ``--max-new-tokens``) whose
help shows the dataclass default, and :func:`options_from_args` builds the
dataclass back from parsed arguments, keeping the dataclass default for every
flag not given. The default of each option is therefore written once, in its
dataclass.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def option(default: Any, help: str, *, choices: tuple[Any, ...] | None = None, flag: str | None = None) -> Any:
    """A dataclass field that is also a command-line flag with ``help`` (and optional ``choices``).

    ``flag`` overrides the flag name derived from the field name. ``help`` should say what
    ``None`` means when that is the default (e.g. "default: cuda if available").
    """
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices, "flag": flag})


def flag_name(field: dataclasses.Field) -> str:
    """The command-line flag of a field: its own ``flag`` or ``--`` + the name with dashes."""
    return field.metadata.get("flag") or "--" + field.name.replace("_", "-")


def cli_fields(cls: type) -> list[dataclasses.Field]:
    """The fields of ``cls`` declared with :func:`option`."""
    return [f for f in dataclasses.fields(cls) if "help" in f.metadata]


def add_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, cls: type, skip: set[str] | None = None) -> set[str]:
    """Add a flag per :func:`option` field of ``cls``; return the flags added.

    Flags in ``skip`` (already added from another class) are left out, so classes that
    share a base class of common options can be added to one parser.
    """
    hints = typing.get_type_hints(cls)
    added = set()
    for field in cli_fields(cls):
        flag = flag_name(field)
        if skip is not None and flag in skip:
            continue
        kind, optional = _base_type(hints[field.name])
        help_text = field.metadata["help"]
        if "default" not in help_text:
            help_text += f" (default: {field.default})"
        dest = field.name
        if kind is bool:
            parser.add_argument(flag, dest=dest, default=None, action=argparse.BooleanOptionalAction, help=help_text)
        else:
            parser.add_argument(
                flag, dest=dest, default=None, type=kind, choices=field.metadata.get("choices"),
                metavar=field.name.upper() if not field.metadata.get("choices") else None, help=help_text,
            )  # fmt: skip
        added.add(flag)
    return added


def options_from_args(cls: type[T], args: argparse.Namespace, **overrides: Any) -> T:
    """An instance of ``cls`` from parsed ``args``: given flags set fields, others keep their defaults."""
    given = {f.name: getattr(args, f.name) for f in cli_fields(cls) if getattr(args, f.name, None) is not None}
    return cls(**{**given, **overrides})


def _base_type(hint: Any) -> tuple[type, bool]:
    """``int`` from ``int`` or ``int | None``, and whether ``None`` is allowed."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return members[0], True
        raise TypeError(f"an option must have one type (or that type | None), not {hint}")
    return hint, False


@dataclasses.dataclass(frozen=True)
class LocalModelOptions:
    """Options every engine that loads the weights itself (``hf``, ``vllm``) shares."""

    dtype: str | None = option(None, "model dtype, e.g. bfloat16 (default: hf: bf16 on a GPU, fp32 on the CPU; vllm: auto)")
    seed: int | None = option(None, "sampling seed of the model engine (default: none)")
