"""One problem's result, as a typed record and as the JSON line the results file holds.

``proved`` and ``verified`` mean what they mean in :class:`~prover.search.SearchResult`:
``proved``, the search found a path that closed every goal (the prover's own view);
``verified``, the backend's fresh-process re-check accepted it. Only ``verified``
counts a problem as solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from prover.search import StopReason


@dataclass
class ResultRecord:
    """The result of one problem in one run: what was searched, what was found, why it stopped.

    A skipped problem has ``skipped`` (the reason the backend cannot attempt it), a problem whose
    prover or generator failed has ``error``; both have ``stop_reason`` None. ``config`` is the
    configuration of the run that wrote it (None in files from before records carried it). Fields
    this version does not know, read from a newer file, are kept in ``extra`` and written back unchanged.
    """

    name: str
    split: str
    backend: str = ""
    generator: str = ""  #: the model, or the generator's name
    budget: int = 0
    samples: int = 0
    proved: bool = False  #: the search found a path that closed every goal
    verified: bool = False  #: the fresh-process re-check accepted that path
    proof: list[str] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    expansions: int = 0
    steps: int = 0
    stop_reason: StopReason | None = None
    verdict: str = ""  #: the re-check's reason, when a path was offered to it
    rejected: int = 0  #: paths found that the re-check refused
    error: str = ""
    skipped: str = ""
    wall_time: float = 0.0
    config: dict[str, Any] | None = None  #: the run's configuration (:func:`prover.run_config.fingerprint`)
    setup: dict[str, Any] = field(default_factory=dict)  #: how the backend set the problem up (Coq: its prelude, and why)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The identity of the problem: its split and name."""
        return (self.split, self.name)

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON object of its results line."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        data["stop_reason"] = self.stop_reason.value if self.stop_reason else ""
        return {**data, **self.extra}

    @classmethod
    def from_json(cls, data: Any) -> "ResultRecord":
        """A record from a results line's JSON; old files' lines (fewer fields) read fine.

        Raises ``ValueError`` saying which field is wrong when the object is not a record.
        """
        if not isinstance(data, dict):
            raise ValueError(f"a record is a JSON object, not {type(data).__name__}")
        known = {f.name: f for f in fields(cls) if f.name != "extra"}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                continue
            expected = _TYPES[name]
            if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
                raise ValueError(f"field {name!r} has a {type(value).__name__}, not a {expected[0].__name__}")
            values[name] = value
        if "name" not in values:
            raise ValueError("the record has no 'name'")
        values.setdefault("split", "")
        reason = values.pop("stop_reason", "")
        try:
            values["stop_reason"] = StopReason(reason) if reason else None
        except ValueError:
            raise ValueError(f"unknown stop_reason {reason!r}") from None
        extra = {name: value for name, value in data.items() if name not in known}
        return cls(**values, extra=extra)


#: Accepted JSON types per field (an int where a float belongs is fine; a bool is never a number).
_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "split": (str,), "backend": (str,), "generator": (str,),
    "budget": (int,), "samples": (int,), "proved": (bool,), "verified": (bool,),
    "proof": (list,), "logprobs": (list,), "expansions": (int,), "steps": (int,),
    "stop_reason": (str,), "verdict": (str,), "rejected": (int,), "error": (str,),
    "skipped": (str,), "wall_time": (float, int), "config": (dict, type(None)), "setup": (dict,),
}
