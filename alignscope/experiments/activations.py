"""Every model's pooled hidden states on one corpus, through the activation store."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from alignscope import engine
from alignscope.experiments.progress import Stages


def extract_models(models: dict[str, engine.Model], tokenizer, texts: Sequence[str], spec: engine.ExtractionSpec,
                   store: str | os.PathLike | None, mesh, stages: Stages, label: str = ""
                   ) -> tuple[np.ndarray, dict[str, dict]]:
    """`[models, layers, n, d]` float32 activations and, per model, what its extraction did; each
    model's extraction is the stage `extract <name><label>`.

    With a store, a model whose activations for these texts and this spec are stored is neither
    read nor run (the store key is computed from its files, config, tokenizer and texts).
    """
    per_model, stats = [], {}
    for name, model in models.items():
        with stages.stage(f"extract {name}{label}"):
            result = engine.run_extraction(model, tokenizer, texts, spec, mesh=mesh, store=store)
        per_model.append(np.moveaxis(np.asarray(result.activations, dtype=np.float32), 1, 0))
        stats[name] = {"computed_texts": result.stats.computed_texts, "texts": result.stats.texts,
                       "seconds": round(result.stats.seconds, 3), "compiled_shapes": result.stats.compiled_shapes,
                       "padding_efficiency": round(result.stats.padding_efficiency, 4)}
        if result.stats.computed_texts == 0 and store is not None:
            stages.note(f"{name}: all {len(texts)} texts read from the store, no forward pass")
    return np.stack(per_model), stats
