"""The checkpoint's tokenizer (transformers `AutoTokenizer`), from a local directory, a hub id or
a GGUF file (built by transformers from the file's vocabulary, merges and chat template)."""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
import tempfile

from alignscope.errors import AlignscopeError
from alignscope.cache_dir import default_cache_dir
from alignscope.checkpoints import gguf
from alignscope.checkpoints.gguf_header import read_header
from alignscope.checkpoints.paths import resolve_checkpoint_dir


def load_tokenizer(path_or_id: str | os.PathLike):
    """Returns the transformers tokenizer saved with a checkpoint (fast when available).

    Code shipped with a checkpoint is never run (`trust_remote_code=False`, without the
    interactive prompt transformers would otherwise show on a terminal). A GGUF file's tokenizer
    is built once (transformers takes ~50 s over a 262k-token vocabulary) and saved under
    `default_cache_dir()/tokenizers`, keyed by the file's header and the transformers version.
    """
    # transformers advises installing PyTorch when it is absent; alignscope needs only its
    # tokenizers, so that line would mislead a user of the plain install.
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    import transformers  # Heavy import, needed only here.

    gguf_path = gguf.find_gguf(path_or_id)
    cached = None
    if gguf_path is not None:
        gguf.gguf_module()  # transformers reads the file's vocabulary with it
        directory, file = gguf_path.parent, {"gguf_file": gguf_path.name}
        cached = _gguf_tokenizer_cache(gguf_path, transformers.__version__)
        if (cached / "tokenizer_config.json").is_file():
            return transformers.AutoTokenizer.from_pretrained(cached, trust_remote_code=False)
    else:
        directory, file = resolve_checkpoint_dir(path_or_id, weights=False), {}
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(directory, trust_remote_code=False, **file)
    except (OSError, ValueError, KeyError) as error:
        if gguf_path is not None and "not supported" in str(error):
            raise AlignscopeError(f"transformers cannot build the tokenizer of {gguf_path.name} ({error}); load the "
                                  f"original model's tokenizer instead: load_tokenizer(ITS_DIRECTORY_OR_HUB_ID)") from error
        if "custom code" in str(error) or "trust_remote_code" in str(error):
            raise AlignscopeError(f"the tokenizer in {directory} needs code shipped with the checkpoint "
                                  f"(auto_map), which alignscope never runs; use a tokenizer that loads from "
                                  f"tokenizer.json alone") from error
        reason = " ".join(str(error).split())[:200]
        raise AlignscopeError(f"{directory} has no usable tokenizer ({reason}); a checkpoint needs tokenizer.json "
                              f"(or tokenizer_config.json with its vocabulary files): copy them from the model it "
                              f"was trained from") from error
    if cached is not None:
        _save_quietly(tokenizer, cached)
    return tokenizer


def _gguf_tokenizer_cache(path: pathlib.Path, transformers_version: str) -> pathlib.Path:
    """The directory a GGUF file's tokenizer is saved in once built: keyed by every key and value of
    its header (vocabulary, merges, chat template) and the transformers version that built it."""
    key = hashlib.sha256(f"{read_header(path).metadata_sha256}|{transformers_version}".encode()).hexdigest()[:32]
    return default_cache_dir() / "tokenizers" / f"gguf-{key}"


def _save_quietly(tokenizer, directory: pathlib.Path) -> None:
    """Saves `tokenizer` in `directory` whole or not at all (written aside, then renamed); a cache
    that cannot be written (read-only, or another process's copy already there) is skipped, since it
    only saves time."""
    temporary = None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        temporary = tempfile.mkdtemp(dir=directory.parent)
        tokenizer.save_pretrained(temporary)
        os.replace(temporary, directory)
    except OSError:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
