"""Where a Hugging Face checkpoint lives: a local directory or a hub id (through huggingface_hub's
cache), its `config.json`, and which weight files to read (never pickle)."""

from __future__ import annotations

import json
import os
import pathlib
import re

from alignscope.errors import AlignscopeError

CONFIG_FILE = "config.json"
SINGLE_WEIGHTS_FILE = "model.safetensors"
# Weight files in pickle formats, named in the message that refuses them.
PICKLE_WEIGHT_PATTERNS = ("pytorch_model*.bin", "*.pt", "*.pth", "*.ckpt")
WEIGHTS_INDEX_FILE = "model.safetensors.index.json"
# What a hub download fetches first: config, weights index, tokenizer and chat template files; then
# only the weight files the loader reads (the index's shards, or model.safetensors), never other
# copies of the weights some repositories also carry (consolidated.safetensors, original/).
HUB_METADATA_PATTERNS = ["*.json", "*.model", "*.txt", "*.jinja", "*.tiktoken"]
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def resolve_checkpoint_dir(path_or_id: str | os.PathLike, weights: bool = True) -> pathlib.Path:
    """Returns the local directory of a checkpoint: the path itself, or a hub snapshot.

    A string that is not an existing path but looks like `owner/name` goes through
    huggingface_hub's cache and download (honouring `HF_HUB_OFFLINE`): the metadata and tokenizer
    files, then, with `weights`, the weight files the loader reads.
    """
    path = pathlib.Path(path_or_id).expanduser()
    if path.exists():
        if not path.is_dir():
            raise AlignscopeError(f"checkpoint path {path} is a file; give the checkpoint's directory "
                                  f"(with {CONFIG_FILE} and *.safetensors) or a hub id")
        return path
    name = str(path_or_id)
    if not HUB_ID.match(name):
        raise AlignscopeError(f"checkpoint {name!r} does not exist; give a local directory or a hub id "
                              f"such as meta-llama/Llama-2-7b-hf")
    directory = hub_snapshot(name, HUB_METADATA_PATTERNS)
    return hub_snapshot(name, _weight_file_names(directory)) if weights else directory


def hub_snapshot(name: str, patterns: list[str]) -> pathlib.Path:
    """Returns the local snapshot of hub repository `name`'s files matching `patterns`, through
    huggingface_hub's cache and download (honouring `HF_HUB_OFFLINE`).

    Raises:
      AlignscopeError: the hub is unreachable or refused, and the files are not cached (one line).
    """
    import huggingface_hub  # Only hub ids need it.
    try:
        return pathlib.Path(huggingface_hub.snapshot_download(name, allow_patterns=patterns))
    except Exception as error:  # The hub client raises many types; the user needs one line.
        raise AlignscopeError(f"could not get {name}: the Hugging Face hub is unreachable or refused it, and it is "
                              f"not in the local cache ({type(error).__name__}); download it where the hub is reachable "
                              f"(hf download {name} --local-dir DIR) and pass that directory instead") from error


def _weight_file_names(directory: pathlib.Path) -> list[str]:
    """The weight files `weight_files` will read, by name, from a directory holding (at least) the
    checkpoint's metadata: the shards its index names, else `model.safetensors`."""
    if not (directory / WEIGHTS_INDEX_FILE).is_file():
        return [SINGLE_WEIGHTS_FILE]
    return sorted({name for name in _index_weight_map(directory / WEIGHTS_INDEX_FILE).values()
                   if isinstance(name, str) and pathlib.Path(name).name == name})


def _index_weight_map(index: pathlib.Path) -> dict:
    """The `weight_map` of a safetensors index file (tensor name -> shard file name)."""
    try:
        weight_map = json.loads(index.read_text())["weight_map"]
        if not isinstance(weight_map, dict):
            raise TypeError("weight_map is not an object")
        return weight_map
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AlignscopeError(f"{index} is not a safetensors index (a JSON object with a weight_map): "
                              f"{type(error).__name__}") from error


def read_config(path: pathlib.Path) -> dict:
    """Returns the parsed `config.json` of a checkpoint directory (or a config file's own path)."""
    config_path = path / CONFIG_FILE if path.is_dir() else path
    if not config_path.is_file():
        raise AlignscopeError(f"{path} has no {CONFIG_FILE}; a checkpoint directory needs "
                              f"{CONFIG_FILE} and {SINGLE_WEIGHTS_FILE} (or {WEIGHTS_INDEX_FILE})")
    try:
        return json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise AlignscopeError(f"{config_path} is not valid JSON ({error})") from error


def weight_files(directory: pathlib.Path) -> list[pathlib.Path]:
    """Returns the safetensors files of a checkpoint: the one file, or those its index names.

    Only safetensors are read (never pickle: a `pytorch_model.bin` can run code when loaded), and
    an index may only name files inside its own directory.
    """
    index = directory / WEIGHTS_INDEX_FILE
    if index.is_file():
        try:
            names = sorted(set(_index_weight_map(index).values()))
        except TypeError as error:  # unhashable or unorderable shard names
            raise AlignscopeError(f"{index} is not a safetensors index (a JSON object with a weight_map): "
                                  f"{type(error).__name__}") from error
        root = directory.resolve()
        outside = [name for name in names if not isinstance(name, str) or pathlib.Path(name).name != name
                   or not (directory / name).resolve().is_relative_to(root)]
        if outside:
            raise AlignscopeError(f"{WEIGHTS_INDEX_FILE} names {outside[0]!r}, which is not a file in {directory}; "
                                  f"an index may only name shards beside it")
        files = [directory / name for name in names]
        missing = [file.name for file in files if not file.is_file()]
        if missing:
            raise AlignscopeError(f"{directory} lacks {len(missing)} weight shard(s) named in "
                                  f"{WEIGHTS_INDEX_FILE}, e.g. {missing[0]}")
        return files
    single = directory / SINGLE_WEIGHTS_FILE
    if single.is_file():
        return [single]
    pickled = sorted(path.name for pattern in PICKLE_WEIGHT_PATTERNS for path in directory.glob(pattern))
    if pickled:
        raise AlignscopeError(
            f"{directory} has only pickled PyTorch weights ({pickled[0]}); alignscope reads safetensors only, "
            f"since loading a pickle can run code: convert it once where you trust it, e.g. "
            f"AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out), which writes safetensors")
    raise AlignscopeError(f"{directory} has no weights: expected {SINGLE_WEIGHTS_FILE} or "
                          f"{WEIGHTS_INDEX_FILE} with its shards (only safetensors is read)")
