"""Training configuration: dataclasses, read from TOML, every field overridable from the command line.

A run's configuration is one :class:`RunConfig` (sections ``model``, ``data``,
``optim``, ``train``, ``checkpoint``, ``nan_guard``, ``log``, ``distributed``)
loaded from a TOML file whose tables mirror the sections; ``--optim.lr 3e-4``
overrides one field (``--data.sources.0.weight 0.5`` one field of a list item).
The resolved configuration is saved beside the run as ``config.toml``.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class SourceConfig:
    """One data source: local files (text, ``.v``, JSONL, parquet) or a ``datasets`` name.

    ``paths`` are files, folders (searched recursively for ``extensions``) or glob patterns;
    ``dataset`` is a Hugging Face ``datasets`` name (needs the network). ``text_field`` names
    the text in JSONL, parquet and dataset records; ``prompt_field``/``completion_field`` the
    pair of a fine-tuning record. ``weight`` is the source's share of the mixture's tokens.
    """

    name: str = ""
    paths: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=lambda: [".txt", ".v", ".md", ".jsonl", ".parquet"])
    dataset: str = ""
    dataset_config: str = ""
    split: str = "train"
    text_field: str = "text"
    prompt_field: str = "prompt"
    completion_field: str = "completion"
    weight: float = 1.0


@dataclass
class ModelConfig:
    """The model: an HF checkpoint (hub id or folder), or a fresh one from ``config`` (``LlamaConfig`` fields)."""

    name_or_path: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    tokenizer: str = ""  #: defaults to ``name_or_path``
    attn_implementation: str = ""  #: default: flash_attention_2 when installed on CUDA, else sdpa
    activation_checkpointing: bool = False
    compile: bool = False


@dataclass
class DataConfig:
    """Sources and how they become fixed-length training sequences."""

    sources: list[SourceConfig] = field(default_factory=list)
    seq_len: int = 4096
    seed: int = 0
    held_out: list[SourceConfig] = field(default_factory=list)  #: for perplexity (mixture ablation)


@dataclass
class OptimConfig:
    """AdamW, linear warm-up, then cosine decay to ``lr * min_lr_ratio`` at the last planned step."""

    lr: float = 3e-4
    betas: list[float] = field(default_factory=lambda: [0.9, 0.95])
    eps: float = 1e-8
    weight_decay: float = 0.1
    warmup_steps: int = 500
    min_lr_ratio: float = 1 / 30
    grad_clip: float = 1.0


@dataclass
class TrainConfig:
    """How long and how big: optimizer steps, the global batch in tokens, the micro-batch per process."""

    steps: int = 48_000
    global_batch_tokens: int = 4 * 2**20  #: rounded down to whole sequences; a multiple of processes x micro-batch
    micro_batch_size: int = 1
    seed: int = 0
    out_dir: str = "runs/train"
    device: str = ""  #: default: cuda when available, else cpu
    bf16: bool = True  #: bf16 autocast on CUDA (the CPU trains in fp32)


@dataclass
class CheckpointConfig:
    """Checkpoints every ``every`` steps (and at the end); the ``keep`` newest are kept."""

    every: int = 500
    keep: int = 3


@dataclass
class NanGuardConfig:
    """A non-finite loss or gradient skips its step; ``rollback_after`` in a row roll back to the last checkpoint."""

    rollback_after: int = 3
    max_rollbacks: int = 10


@dataclass
class LogConfig:
    """Every ``every`` steps: the console, ``log.jsonl`` in the run folder, and TensorBoard when installed."""

    every: int = 10
    tensorboard: bool = True
    progress: bool = True
    peak_tflops: float = 0.0  #: per device, for MFU; 0: known cards' dense bf16 rate (H100/H200 989), else no MFU


@dataclass
class DistributedConfig:
    """``fsdp`` (FSDP2 ``fully_shard``), ``ddp`` or ``none``; ``torchrun`` sets the processes."""

    strategy: str = "fsdp"
    backend: str = ""  #: default: nccl on CUDA, gloo on the CPU


@dataclass
class AblationConfig:
    """Llemma's data-mixture study: one short run per weight set, held-out perplexity on ``data.held_out``."""

    weight_sets: list[list[float]] = field(default_factory=list)  #: each: one weight per ``data.sources`` entry
    steps: int = 100
    eval_rows: int = 64


@dataclass
class RunConfig:
    """Everything a training run needs."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    nan_guard: NanGuardConfig = field(default_factory=NanGuardConfig)
    log: LogConfig = field(default_factory=LogConfig)
    distributed: DistributedConfig = field(default_factory=DistributedConfig)
    ablation: AblationConfig = field(default_factory=AblationConfig)


def load_config(path: str | Path | None, overrides: list[str] = (), cls: type = RunConfig) -> Any:
    """The configuration in the TOML file at ``path`` (defaults if ``None``), then ``overrides``.

    ``overrides`` are ``--section.field value`` pairs (or ``--section.field=value``).
    """
    data = tomllib.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    config = from_dict(cls, data, where=str(path or "defaults"))
    for dotted, value in _pairs(overrides):
        set_field(config, dotted, value)
    return config


def from_dict(cls: type, data: dict[str, Any], where: str = "") -> Any:
    """An instance of dataclass ``cls`` from nested dicts; unknown keys are errors naming ``where``."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)} in [{cls.__name__}]; known: {', '.join(sorted(known))}")
    values = {name: _convert(hints[name], value, f"{where}.{name}") for name, value in data.items()}
    return cls(**values)


def set_field(config: Any, dotted: str, text: str) -> None:
    """Set the field at ``dotted`` (``optim.lr``, ``data.sources.0.weight``) from its text form."""
    *parents, last = dotted.split(".")
    target = config
    for part in parents:
        if isinstance(target, list):
            target = target[int(part)]
        elif dataclasses.is_dataclass(target) and part in {f.name for f in dataclasses.fields(target)}:
            target = getattr(target, part)
        else:
            raise ValueError(f"--{dotted}: no section or field {part!r}")
    if isinstance(target, list):
        target[int(last)] = _parse(type(target[int(last)]), text, dotted)
        return
    if not dataclasses.is_dataclass(target) or last not in {f.name for f in dataclasses.fields(target)}:
        raise ValueError(f"--{dotted}: no such field")
    setattr(target, last, _parse(typing.get_type_hints(type(target))[last], text, dotted))


def to_toml(config: Any) -> str:
    """The configuration as TOML text (what is saved beside a run)."""
    lines: list[str] = []
    _emit(dataclasses.asdict(config), [], lines)
    return "\n".join(lines) + "\n"


def _emit(data: dict[str, Any], path: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_list(v)}
    if path and (scalars or not data):
        lines.append(f"\n[{'.'.join(path)}]")
    for key, value in scalars.items():
        lines.append(f"{key} = {_toml_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict) and value and all(not isinstance(v, dict) for v in value.values()) and key == "config":
            lines.append(f"\n[{'.'.join([*path, key])}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in value.items())
        elif isinstance(value, dict) and key != "config":
            _emit(value, [*path, key], lines)
        elif _is_table_list(value):
            for item in value:
                lines.append(f"\n[[{'.'.join([*path, key])}]]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in item.items())


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a table, got {value!r}")
        return from_dict(hint, value, where)
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {value!r}")
        return [_convert(item, v, f"{where}.{i}") for i, v in enumerate(value)]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    base = _plain(hint)
    if base is not Any and base is not dict and not isinstance(value, base):
        raise ValueError(f"{where}: expected {base.__name__}, got {value!r}")
    return value


def _plain(hint: Any) -> Any:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        return members[0] if len(members) == 1 else Any
    origin = typing.get_origin(hint)
    return origin or hint


def _parse(hint: Any, text: str, dotted: str) -> Any:
    """A field's value from its command-line text: numbers, booleans, strings, TOML lists."""
    base = _plain(hint)
    try:
        if base is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if base in (int, float):
            return base(text)
        if base in (list, dict) or typing.get_origin(hint) in (list, dict):
            return _convert(hint, tomllib.loads(f"v = {text}")["v"], f"--{dotted}")
        return text
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"--{dotted}: cannot read {text!r} as {getattr(base, '__name__', base)}") from error


def _pairs(overrides: list[str]) -> list[tuple[str, str]]:
    pairs, items = [], list(overrides)
    while items:
        item = items.pop(0)
        if not item.startswith("--"):
            raise ValueError(f"expected --section.field VALUE, got {item!r}")
        key, eq, value = item[2:].partition("=")
        if not eq:
            if not items:
                raise ValueError(f"--{key} needs a value")
            value = items.pop(0)
        pairs.append((key, value))
    return pairs
