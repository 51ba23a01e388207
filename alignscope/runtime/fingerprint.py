"""Content fingerprints of what an activation store is keyed by besides the model (whose identity
is `Model.identity`): the tokenizer, the texts, and one digest of all the parts."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

def tokenizer_fingerprint(tokenizer) -> str:
    """Returns a hex digest of a fast tokenizer's full definition and its chat template.

    The backend's transient `padding` and `truncation` settings (changed by any call that pads
    or truncates) are left out: they do not change what the extraction feeds the model.
    """
    definition = json.loads(tokenizer.backend_tokenizer.to_str())
    definition.pop("padding", None)
    definition.pop("truncation", None)
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode())
    digest.update(str(getattr(tokenizer, "chat_template", None)).encode())
    digest.update(json.dumps(sorted(map(str, tokenizer.all_special_tokens))).encode())
    return digest.hexdigest()


def texts_fingerprint(texts: Sequence[str]) -> str:
    """Returns a hex digest of the texts in order (lengths framed, so boundaries count)."""
    digest = hashlib.sha256()
    for text in texts:
        encoded = text.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()


def combine(parts: dict[str, Any]) -> str:
    """Returns one hex digest of a JSON-able dict of parts (sorted keys)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
