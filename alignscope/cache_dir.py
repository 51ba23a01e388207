"""Where alignscope keeps what it can rebuild: activation stores and GGUF tokenizers."""

from __future__ import annotations

import os
import pathlib


def default_cache_dir() -> pathlib.Path:
    """Returns `$XDG_CACHE_HOME/alignscope`, or `~/.cache/alignscope` where that is unset."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "alignscope"
