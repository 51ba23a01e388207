"""The checkpoint's tokenizer (transformers `AutoTokenizer`), from a local directory or a hub id."""

from __future__ import annotations

import os

from alignscope.errors import AlignscopeError
from engine.checkpoint import resolve_checkpoint_dir


def load_tokenizer(path_or_id: str | os.PathLike):
    """Returns the transformers tokenizer saved with a checkpoint (fast when available)."""
    import transformers  # Heavy import, needed only here.

    directory = resolve_checkpoint_dir(path_or_id)
    try:
        return transformers.AutoTokenizer.from_pretrained(directory)
    except (OSError, ValueError, KeyError) as error:
        raise AlignscopeError(f"{directory} has no usable tokenizer files (tokenizer.json, "
                              f"tokenizer_config.json, ...): {str(error).splitlines()[0][:200]}") from error
