"""The prelude in layers, and the prelude that one problem gets.

The prelude (``data/prelude.v``) loads the automation before every header. Its
layers are marked by comment lines ``(* layer: NAME *)``; a header that Coq
accepts alone but not after the whole prelude gets the prelude without its last
layers, dropped one at a time (see :meth:`coq_env.env.CoqEnv.open`). A prelude
without markers is one layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from coq_env.sentences import strip_comments

_LAYER = re.compile(r"^\(\* layer: ([^*]+?) \*\)[ \t]*$", re.M)


@dataclass(frozen=True)
class PreludeChoice:
    """The prelude one problem is loaded and checked with, and why it is not the whole one."""

    label: str  #: "full", or "without " and the layers left out
    text: str
    layers: int  #: how many layers it keeps
    reason: str = ""

    def record(self) -> dict[str, str]:
        """What a results record says about it."""
        return {"prelude": self.label, **({"prelude_reason": self.reason} if self.reason else {})}


class Prelude:
    """A prelude split into its layers; :meth:`candidates` are the choices, whole first."""

    def __init__(self, text: str) -> None:
        self.text = text
        markers = list(_LAYER.finditer(text))
        if not markers:
            layers = [("prelude", text)] if strip_comments(text).strip() else []
            self.intro = "" if layers else text
        else:
            self.intro = text[: markers[0].start()]
            ends = [marker.start() for marker in markers[1:]] + [len(text)]
            layers = [(marker.group(1), text[marker.start():end]) for marker, end in zip(markers, ends)]
        self.layers: list[tuple[str, str]] = layers

    def candidates(self) -> list[PreludeChoice]:
        """The whole prelude, then with one layer fewer, ..., down to none."""
        choices = [PreludeChoice("full", self.text, len(self.layers))]
        for kept in range(len(self.layers) - 1, -1, -1):
            dropped = ", ".join(name for name, _ in self.layers[kept:])
            text = self.intro + "".join(layer for _, layer in self.layers[:kept])
            choices.append(PreludeChoice(f"without {dropped}", text, kept))
        return choices

    def layer_text(self, index: int) -> str:
        """The code of layer ``index`` (0-based)."""
        return self.layers[index][1]


def default_prelude() -> str:
    """The automation imports loaded before every header (``data/prelude.v``)."""
    return resources.files("coq_env.data").joinpath("prelude.v").read_text("utf-8")
