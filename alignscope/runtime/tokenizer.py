"""The checkpoint's tokenizer (transformers `AutoTokenizer`), from a local directory, a hub id or
a GGUF file (built by transformers from the file's vocabulary, merges and chat template)."""

from __future__ import annotations

import os

from alignscope.errors import AlignscopeError
from alignscope.checkpoints import gguf
from alignscope.checkpoints.paths import resolve_checkpoint_dir


def load_tokenizer(path_or_id: str | os.PathLike):
    """Returns the transformers tokenizer saved with a checkpoint (fast when available).

    Code shipped with a checkpoint is never run (`trust_remote_code=False`, without the
    interactive prompt transformers would otherwise show on a terminal).
    """
    # transformers advises installing PyTorch when it is absent; alignscope needs only its
    # tokenizers, so that line would mislead a user of the plain install.
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    import transformers  # Heavy import, needed only here.

    gguf_path = gguf.find_gguf(path_or_id)
    if gguf_path is not None:
        gguf.gguf_module()  # transformers reads the file's vocabulary with it
        directory, file = gguf_path.parent, {"gguf_file": gguf_path.name}
    else:
        directory, file = resolve_checkpoint_dir(path_or_id, weights=False), {}
    try:
        return transformers.AutoTokenizer.from_pretrained(directory, trust_remote_code=False, **file)
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
