"""PEFT LoRA adapters: read from PEFT's layout and merged into the base checkpoint's tensors.

A PEFT adapter directory holds `adapter_config.json` (`peft_type` LORA, `r`, `lora_alpha`,
`target_modules`, ...) and `adapter_model.safetensors`, whose tensors are named
`base_model.model.<module>.lora_A.weight` `[r, in]` and `...lora_B.weight` `[out, r]`. The
adapted module's weight `<module>.weight` `[out, in]` becomes

    W + scale * B @ A,   scale = alpha / r   (alpha / sqrt(r) with `use_rslora`),

with r from the tensor's shape and alpha from `alpha_pattern` (PEFT's matching of module names)
or `lora_alpha`; transposed with `fan_in_fan_out` (GPT-2's Conv1D weights are stored `[in, out]`). Merged in float32 before the loader casts, per Hugging Face tensor, so a fused
tensor (Phi-3's qkv_proj) and a GGUF base merge alike. Plain LoRA only: DoRA, trained biases,
embedding adapters and `modules_to_save` are refused by name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib
import re

import numpy as np

from alignscope.checkpoints.paths import HUB_ID, hub_snapshot
from alignscope.checkpoints.safetensors import SafetensorsReader
from alignscope.errors import AlignscopeError

CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"
KEY_PREFIX = "base_model.model."
# What a hub download of an adapter fetches.
HUB_PATTERNS = [CONFIG_FILE, WEIGHTS_FILE]


def is_adapter_dir(path) -> bool:
    """Returns whether `path` is a local directory holding a PEFT adapter's config."""
    path = pathlib.Path(path).expanduser()
    return path.is_dir() and (path / CONFIG_FILE).is_file()


def _pattern_value(patterns: dict, module: str, default):
    """PEFT's per-module override: the value of the first key matching the end of `module`'s
    name (`alpha_pattern`, `rank_pattern`), else `default`."""
    for key, value in patterns.items():
        if re.match(rf"(.*\.)?({key})$", module):
            return value
    return default


@dataclasses.dataclass(frozen=True)
class LoraAdapter:
    """One PEFT LoRA adapter, read.

    Attributes:
      directory: where it was read from.
      config: its `adapter_config.json`.
      factors: per adapted base tensor name (`<module>.weight`), (A `[r, in]`, B `[out, r]`, scale).
      fingerprint: a digest of its config and tensors (part of the adapted model's identity).
    """

    directory: pathlib.Path
    config: dict
    factors: dict[str, tuple[np.ndarray, np.ndarray, float]]
    fingerprint: str

    @property
    def base_model(self) -> str | None:
        """The base checkpoint the adapter names (`base_model_name_or_path`), if any."""
        return self.config.get("base_model_name_or_path")

    def delta(self, name: str, stored_shape: tuple[int, ...]) -> np.ndarray | None:
        """Returns the float32 update of base tensor `name` in its stored shape, or None when the
        adapter leaves it alone."""
        if name not in self.factors:
            return None
        a, b, scale = self.factors[name]
        update = scale * (b.astype(np.float64) @ a.astype(np.float64))
        if self.config.get("fan_in_fan_out"):  # the base weight is stored [in, out]
            update = update.T
        if update.shape != tuple(stored_shape):
            raise AlignscopeError(f"the adapter's update of {name} is {list(update.shape)}, but the base tensor is "
                                  f"{list(stored_shape)}; the adapter was trained on another model")
        return update.astype(np.float32)


def read_adapter(path_or_id) -> LoraAdapter:
    """Reads a PEFT LoRA adapter from a directory, or a hub id through huggingface_hub's cache.

    Raises:
      AlignscopeError: no adapter there, or one that is not plain LoRA in safetensors.
    """
    directory = _resolve(path_or_id)
    try:
        config = json.loads((directory / CONFIG_FILE).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise AlignscopeError(f"{directory / CONFIG_FILE} is not readable JSON ({type(error).__name__})") from error
    if not isinstance(config, dict) or config.get("peft_type") != "LORA":
        raise AlignscopeError(f"{directory} holds a {config.get('peft_type') if isinstance(config, dict) else '?'} "
                              f"adapter; only PEFT LoRA adapters (peft_type LORA) are read")
    unsupported = {"use_dora": bool(config.get("use_dora")), "bias": config.get("bias", "none") != "none",
                   "modules_to_save": bool(config.get("modules_to_save"))}
    if any(unsupported.values()):
        key = next(key for key, found in unsupported.items() if found)
        value = config[key]
        raise AlignscopeError(f"{directory}: {key}={value!r} is not supported; alignscope reads plain LoRA "
                              f"adapters (no DoRA, no trained biases, no modules_to_save)")
    weights = directory / WEIGHTS_FILE
    if not weights.is_file():
        raise AlignscopeError(f"{directory} has no {WEIGHTS_FILE}; only safetensors adapters are read (a pickled "
                              f"adapter_model.bin can run code: save it again with a recent PEFT)")
    reader = SafetensorsReader([weights])
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key in reader.entries:
        match = re.fullmatch(r"(.+)\.lora_([AB])(?:\.[^.]+)?\.weight", key)
        if match is None or not match.group(1).startswith(KEY_PREFIX):
            raise AlignscopeError(f"{weights.name}: tensor {key} is not a LoRA A or B matrix of a linear layer; "
                                  f"alignscope reads plain LoRA adapters")
        pairs.setdefault(match.group(1)[len(KEY_PREFIX):], {})[match.group(2)] = np.asarray(reader.get(key))
    rslora = bool(config.get("use_rslora"))
    factors = {}
    for module, pair in sorted(pairs.items()):
        if set(pair) != {"A", "B"} or pair["A"].ndim != 2 or pair["B"].ndim != 2 \
                or pair["A"].shape[0] != pair["B"].shape[1]:
            raise AlignscopeError(f"{weights.name}: {module} needs lora_A [r, in] and lora_B [out, r]; it has "
                                  f"{ {side: list(value.shape) for side, value in pair.items()} }")
        rank = pair["A"].shape[0]
        alpha = float(_pattern_value(config.get("alpha_pattern") or {}, module, config.get("lora_alpha", rank)))
        factors[f"{module}.weight"] = (pair["A"], pair["B"], alpha / (np.sqrt(rank) if rslora else rank))
    if not factors:
        raise AlignscopeError(f"{weights.name} holds no LoRA matrices")
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    digest.update(weights.read_bytes())
    return LoraAdapter(directory, config, factors, digest.hexdigest())


def _resolve(path_or_id) -> pathlib.Path:
    """The adapter's local directory: the path itself, or a hub snapshot of its two files."""
    path = pathlib.Path(path_or_id).expanduser()
    if path.exists():
        if not is_adapter_dir(path):
            raise AlignscopeError(f"{path} is not a PEFT adapter directory (it has no {CONFIG_FILE})")
        return path
    name = str(path_or_id)
    if not HUB_ID.match(name):
        raise AlignscopeError(f"adapter {name!r} does not exist; give a PEFT adapter directory or a hub id")
    directory = hub_snapshot(name, HUB_PATTERNS)
    if not is_adapter_dir(directory):
        raise AlignscopeError(f"hub repository {name} has no {CONFIG_FILE}; it is not a PEFT adapter")
    return directory


class MergedReader:
    """A checkpoint reader (`SafetensorsReader`, `gguf.GGUFTensors`) whose tensors carry an
    adapter merged in: the same names and shapes, float32 values W + delta where adapted."""

    def __init__(self, base, adapter: LoraAdapter):
        self._base = base
        self._adapter = adapter
        self.entries = base.entries

    def __contains__(self, name: str) -> bool:
        return name in self._base

    def get(self, name: str) -> np.ndarray:
        delta = self._adapter.delta(name, tuple(self.entries[name].shape))
        weight = self._base.get(name)
        return weight if delta is None else np.asarray(weight, np.float32) + delta


def check_targets(adapter: LoraAdapter, read_names: set[str]) -> None:
    """Raises `AlignscopeError` when the adapter adapts a tensor the model does not read."""
    unknown = sorted(set(adapter.factors) - read_names)
    if unknown:
        raise AlignscopeError(f"the adapter adapts {unknown[0]}, which the base model does not have; "
                              f"it was trained on another architecture")
