"""GGUF checkpoints (llama.cpp, Ollama, LM Studio): the config from the file's metadata, and each
tensor dequantized with the `gguf` package and given back its Hugging Face name and layout.

llama.cpp's converter renames every tensor (`blk.0.attn_q.weight`), permutes the query and key
rows of Llama-family models for its interleaved rotary, adds 1 to Gemma's norm weights,
transposes GPT-2's Conv1D weights and regroups GPT-NeoX's fused QKV. `GGUFTensors` undoes each of
these, so a GGUF file reads through the same weight maps, shape checks and mesh placement as a
safetensors checkpoint (`checkpoints.load`). The header is read by `gguf_header` (the `gguf`
package's reader takes ~45 s over a 262k-token vocabulary); the file is memory-mapped and one
tensor at a time is dequantized (float32) and placed, so the file is never held twice in memory.

`gguf` is an optional dependency (`pip install "alignscope[gguf]"`).
"""

from __future__ import annotations

import dataclasses
import mmap
import pathlib
from typing import Any, Callable, Iterable

import numpy as np

from alignscope.checkpoints.fingerprint import tensors_fingerprint
from alignscope.checkpoints.gguf_families import ARCHITECTURES, GGUFArchitecture, Metadata
from alignscope.checkpoints.gguf_header import TensorInfo, read_header
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
      metadata: every key-value pair of the header, as Python values, less the vocabulary arrays
        (which transformers reads itself, for the tokenizer).
      tensors: `{GGUF name: gguf_header.TensorInfo}`.
      metadata_sha256: digest of every key and value (`gguf_header.Header`).
    """

    def __init__(self, path: pathlib.Path):
        self._gguf = gguf_module()
        self.path = path
        try:
            with open(path, "rb") as handle:
                self._buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as error:  # mmap of an empty file raises ValueError
            raise AlignscopeError(f"{path} is not a readable GGUF file ({error})") from error
        header = read_header(path, self._buffer)
        self.metadata: dict[str, Any] = header.metadata
        self.tensors = header.tensors
        self.metadata_sha256 = header.metadata_sha256
        name = self.metadata.get("general.architecture")
        if name not in ARCHITECTURES:
            raise AlignscopeError(f"GGUF architecture {name!r} ({path.name}) is not supported; supported: "
                                  f"{', '.join(sorted(ARCHITECTURES))}")
        self.architecture: GGUFArchitecture = ARCHITECTURES[name]

    def config_json(self) -> dict[str, Any]:
        """Returns the Hugging Face `config.json` dict the metadata describes (what `parse_config`
        reads, and what `save_model` writes back for transformers)."""
        shapes = {name: tensor.shape for name, tensor in self.tensors.items()}
        meta = Metadata(self.metadata, self.architecture.name, self.path.name, shapes, self.dequantized)
        raw = self.architecture.config_json(meta)
        return {"model_type": FAMILIES[raw["architectures"][0]].model_type, **raw}

    def fingerprint(self) -> str:
        """Returns a hex digest of the tensors: names, quantization types, shapes and sampled raw bytes."""
        return tensors_fingerprint((name, f"{self._type(tensor).name}|{tensor.shape}", self.raw(name))
                                   for name, tensor in self.tensors.items())

    def raw(self, name: str) -> np.ndarray:
        """Returns tensor `name`'s bytes, uint8 `[*shape[:-1], bytes per row]` (a view of the file).

        Raises:
          AlignscopeError: an unknown type, a row that is not whole blocks, or bytes past the file's end.
        """
        tensor = self.tensors[name]
        block, type_size = self._gguf.GGML_QUANT_SIZES[self._type(tensor)]
        if not tensor.shape or tensor.shape[-1] % block:
            raise AlignscopeError(f"{self.path.name}: tensor {name} has shape {list(tensor.shape)}, whose rows are not "
                                  f"whole blocks of {block}")
        rows = int(np.prod(tensor.shape[:-1], dtype=np.int64))
        row_bytes = tensor.shape[-1] // block * type_size
        if tensor.offset + rows * row_bytes > len(self._buffer):
            raise AlignscopeError(f"{self.path} is not a readable GGUF file (tensor {name} ends past the file's end)")
        data = np.frombuffer(self._buffer, np.uint8, count=rows * row_bytes, offset=tensor.offset)
        return data.reshape(*tensor.shape[:-1], row_bytes)

    def dequantized(self, name: str) -> np.ndarray:
        """Returns tensor `name` as float32 `[numpy shape]` (any type the `gguf` package dequantizes).

        Raises:
          AlignscopeError: a type the installed `gguf` package cannot dequantize.
        """
        tensor_type = self._type(self.tensors[name])
        try:
            values = self._gguf.quants.dequantize(self.raw(name), tensor_type)
        except NotImplementedError as error:
            raise AlignscopeError(f"tensor {name} is {tensor_type.name}, which the installed gguf package cannot "
                                  f"dequantize; upgrade it (pip install -U gguf)") from error
        return np.asarray(values, dtype=np.float32).reshape(self.tensors[name].shape)

    def _type(self, tensor: TensorInfo):
        try:
            return self._gguf.GGMLQuantizationType(tensor.type_id)
        except ValueError:
            raise AlignscopeError(f"{self.path.name}: tensor {tensor.name} has type {tensor.type_id}, which the "
                                  f"installed gguf package does not know; upgrade it (pip install -U gguf)") from None


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
            self.entries[name] = GGUFEntry(gguf_name, restore.shape(tensor.shape), restore)

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def get(self, name: str) -> np.ndarray:
        """Returns the tensor `name` as float32 in its Hugging Face layout (dequantized)."""
        entry = self.entries[name]
        return np.ascontiguousarray(entry.restore(self._file.dequantized(entry.gguf_name)))
