"""Every model's pooled hidden states on one corpus, through the activation store."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from alignscope import engine
from alignscope.experiments.progress import Stages
from alignscope.runtime.extraction import run_extractions


def extract_models(models: dict[str, engine.Model], tokenizer, texts: Sequence[str], spec: engine.ExtractionSpec,
                   store: str | os.PathLike | None, mesh, stages: Stages, label: str = ""
                   ) -> tuple[np.ndarray, dict[str, dict]]:
    """`[models, layers, n, d]` float32 activations and, per model, what its extraction did; each
    model's extraction is the stage `extract <name><label>`.

    With a store, a model whose activations for these texts and this spec are stored is neither
    read nor run (the store key is computed from its files, config, tokenizer and texts).
    """
    activations, stats = extract_models_pooled(models, tokenizer, texts, [spec], store, mesh, stages, label)
    return activations[:, 0], stats


def extract_models_pooled(models: dict[str, engine.Model], tokenizer, texts: Sequence[str],
                          specs: Sequence[engine.ExtractionSpec], store: str | os.PathLike | None, mesh,
                          stages: Stages, label: str = "") -> tuple[np.ndarray, dict[str, dict]]:
    """`[models, len(specs), layers, n, d]` float32 activations of specs that differ only in pooling,
    one forward pass per model (`runtime.extraction.run_extractions`), and per model what its
    extraction did; as `extract_models` otherwise."""
    per_model, stats = [], {}
    for name, model in models.items():
        with stages.stage(f"extract {name}{label}"):
            results = run_extractions(model, tokenizer, texts, specs, mesh=mesh, store=store)
        per_model.append(np.stack([np.moveaxis(np.asarray(result.activations, dtype=np.float32), 1, 0)
                                   for result in results]))
        run = max((result.stats for result in results), key=lambda done: done.computed_texts)  # the pass, if any
        stats[name] = {"computed_texts": run.computed_texts, "texts": run.texts, "seconds": round(run.seconds, 3),
                       "compiled_shapes": run.compiled_shapes, "padding_efficiency": round(run.padding_efficiency, 4)}
        if run.computed_texts == 0 and store is not None:
            stages.note(f"{name}: all {len(texts)} texts read from the store, no forward pass")
    return np.stack(per_model), stats
