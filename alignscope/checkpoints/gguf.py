"""GGUF checkpoints (llama.cpp, Ollama, LM Studio): the config from the file's metadata, and each
tensor dequantized with the `gguf` package and given back its Hugging Face name and layout.

llama.cpp's converter renames every tensor (`blk.0.attn_q.weight`), permutes the query and key
rows of Llama-family models for its interleaved rotary, adds 1 to Gemma's norm weights,
transposes GPT-2's Conv1D weights and regroups GPT-NeoX's fused QKV. `GGUFTensors` undoes each of
these, so a GGUF file reads through the same weight maps, shape checks and mesh placement as a
safetensors checkpoint (`checkpoints.load`). The file is memory-mapped; one tensor at a time is
dequantized (float32) and placed, so the file is never held twice in memory.

`gguf` is an optional dependency (`pip install "alignscope[gguf]"`).
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Callable, Iterable

import numpy as np

from alignscope.checkpoints.fingerprint import tensors_fingerprint
from alignscope.checkpoints.gguf_families import ARCHITECTURES, GGUFArchitecture, Metadata
from alignscope.errors import AlignscopeError
from alignscope.models.families import FAMILIES

SUFFIX = ".gguf"
INSTALL_HINT = 'pip install "alignscope[gguf]"'


def gguf_module():
    """Returns the `gguf` package, or raises `AlignscopeError` saying how to install it."""
    try:
        import gguf
    except ImportError as error:
        raise AlignscopeError(f"reading GGUF files needs the gguf package: {INSTALL_HINT}") from error
    return gguf


def find_gguf(path_or_id) -> pathlib.Path | None:
    """Returns the GGUF file `path_or_id` names: the file itself, or the one `.gguf` file of a
    directory without `config.json`; None for anything else (a safetensors checkpoint, a hub id).

    Raises:
      AlignscopeError: a directory with several GGUF files (name the one to read), or a split
        GGUF (`-00001-of-0000N.gguf`), which is not read.
    """
    path = pathlib.Path(path_or_id).expanduser()
    if path.suffix.lower() == SUFFIX and not path.is_file():
        raise AlignscopeError(f"GGUF file {path} does not exist (GGUF files are read from disk, not from the hub)")
    if path.suffix.lower() == SUFFIX:
        found = path
    elif path.is_dir() and not (path / "config.json").is_file():
        files = sorted(file for file in path.iterdir() if file.suffix.lower() == SUFFIX and file.is_file())
        if len(files) > 1:
            raise AlignscopeError(f"{path} holds {len(files)} GGUF files ({', '.join(file.name for file in files)}); "
                                  f"pass the path of the one to read")
        if not files:
            return None
        found = files[0]
    else:
        return None
    if "-of-" in found.stem and found.stem.rsplit("-of-", 1)[-1].isdigit():
        raise AlignscopeError(f"{found.name} is one part of a split GGUF, which alignscope does not read; merge the "
                              f"parts first (llama.cpp: llama-gguf-split --merge FIRST_PART OUT.gguf)")
    return found


class GGUFFile:
    """An open GGUF file: its metadata, tensors and architecture.

    Attributes:
      path: the file.
      architecture: the family's description (`gguf_families.ARCHITECTURES`).
      metadata: every key-value pair of the header, as Python values.
    """

    def __init__(self, path: pathlib.Path):
        gguf = gguf_module()
        self.path = path
        try:
            self._reader = gguf.GGUFReader(path, "r")
        except Exception as error:  # The reader raises ValueError, struct errors, IndexError, ...
            raise AlignscopeError(f"{path} is not a readable GGUF file ({type(error).__name__}: {error})") from error
        vocabulary = ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.merges",
                      "tokenizer.ggml.token_type")  # large arrays transformers reads itself (the tokenizer)
        self.metadata: dict[str, Any] = {name: field.contents() for name, field in self._reader.fields.items()
                                         if not name.startswith("GGUF.") and name not in vocabulary}
        name = self.metadata.get("general.architecture")
        if name not in ARCHITECTURES:
            raise AlignscopeError(f"GGUF architecture {name!r} ({path.name}) is not supported; supported: "
                                  f"{', '.join(sorted(ARCHITECTURES))}")
        self.architecture: GGUFArchitecture = ARCHITECTURES[name]
        self.tensors = {tensor.name: tensor for tensor in self._reader.tensors}

    def config_json(self) -> dict[str, Any]:
        """Returns the Hugging Face `config.json` dict the metadata describes (what `parse_config`
        reads, and what `save_model` writes back for transformers)."""
        shapes = {name: numpy_shape(tensor) for name, tensor in self.tensors.items()}
        meta = Metadata(self.metadata, self.architecture.name, self.path.name, shapes,
                        lambda name: dequantized(self.tensors[name]))
        raw = self.architecture.config_json(meta)
        return {"model_type": FAMILIES[raw["architectures"][0]].model_type, **raw}

    def fingerprint(self) -> str:
        """Returns a hex digest of the tensors: names, quantization types, shapes and sampled raw bytes."""
        return tensors_fingerprint((name, f"{tensor.tensor_type.name}|{tuple(tensor.shape)}", tensor.data)
                                   for name, tensor in self.tensors.items())


@dataclasses.dataclass(frozen=True)
class GGUFEntry:
    """One Hugging Face tensor in a GGUF file.

    Attributes:
      gguf_name: the file's name for it (`blk.0.attn_q.weight`).
      shape: its Hugging Face shape.
      restore: turns the dequantized float32 array (GGUF layout) into the Hugging Face tensor.
    """

    gguf_name: str
    shape: tuple[int, ...]
    restore: Callable[[np.ndarray], np.ndarray]


class GGUFTensors:
    """Read access to a GGUF file's tensors by Hugging Face name, as `SafetensorsReader` gives.

    Only the names asked for are mapped (`names`: every tensor the family's weight maps may read).
    Nothing is cached: each `get` dequantizes its tensor, so a fused tensor (Phi-3's qkv, GPT-2's
    c_attn) is dequantized once per part it holds, and once per device that holds a slice of it.
    """

    def __init__(self, file: GGUFFile, config: dict[str, Any], names: Iterable[str]):
        gguf = gguf_module()
        architecture = file.architecture
        arch = {value: key for key, value in gguf.MODEL_ARCH_NAMES.items()}.get(architecture.name)
        if arch is None:
            raise AlignscopeError(f"the installed gguf package does not know the {architecture.name} architecture; "
                                  f"upgrade it (pip install -U gguf)")
        name_map = gguf.get_tensor_name_map(arch, int(file.metadata[f"{architecture.name}.block_count"]))
        self._file = file
        self.entries: dict[str, GGUFEntry] = {}
        for name in names:  # llama.cpp's own table of Hugging Face -> GGUF names
            gguf_name = name_map.get_name(name, try_suffixes=(".weight", ".bias"))
            tensor = file.tensors.get(gguf_name) if gguf_name else None
            if tensor is None:
                continue
            restore = architecture.restore(name, config)
            self.entries[name] = GGUFEntry(gguf_name, restore.shape(numpy_shape(tensor)), restore)

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def get(self, name: str) -> np.ndarray:
        """Returns the tensor `name` as float32 in its Hugging Face layout (dequantized)."""
        entry = self.entries[name]
        return np.ascontiguousarray(entry.restore(dequantized(self._file.tensors[entry.gguf_name])))


def dequantized(tensor) -> np.ndarray:
    """Returns a GGUF tensor as float32 `[numpy shape]` (any type the `gguf` package dequantizes).

    Raises:
      AlignscopeError: a quantization type the installed `gguf` package cannot dequantize.
    """
    gguf = gguf_module()
    try:
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    except NotImplementedError as error:
        raise AlignscopeError(f"tensor {tensor.name} is {tensor.tensor_type.name}, which the installed gguf package "
                              f"cannot dequantize; upgrade it (pip install -U gguf)") from error
    return np.asarray(values, dtype=np.float32).reshape(numpy_shape(tensor))


def numpy_shape(tensor) -> tuple[int, ...]:
    """A GGUF tensor's shape in numpy order (GGUF lists the fastest-varying axis first)."""
    return tuple(int(size) for size in reversed(tensor.shape))

