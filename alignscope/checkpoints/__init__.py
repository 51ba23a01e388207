"""Checkpoints: Hugging Face paths and hub ids, safetensors read and written, loading a model
onto a mesh and saving it back.

Modules: `paths` (directory or hub id, config.json, which weight files), `safetensors` (the
format), `gguf` and `gguf_families` (GGUF files: llama.cpp's conversion undone per family), `load`
(`load_model`, `init_model`), `save` (`save_model`), `fingerprint` (what a model loaded from files
is keyed by), `lora` (PEFT LoRA adapters, merged into the base as it is read).
"""

from alignscope.checkpoints.load import init_model, load_model
from alignscope.checkpoints.paths import resolve_checkpoint_dir
from alignscope.checkpoints.save import save_model

__all__ = ["init_model", "load_model", "resolve_checkpoint_dir", "save_model"]
