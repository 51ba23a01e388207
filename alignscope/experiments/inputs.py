"""What an experiment runs on: named models, their tokenizer, a corpus of chosen languages (English
added where the dataset has it), the split groups (`group_ids`) and the resampling groups
(`resampling_groups`) that keep parallel texts, pairs and duplicate texts together."""

from __future__ import annotations

import os
import pathlib
from typing import Sequence

import numpy as np

from alignscope import engine
from alignscope.checkpoints import lora
from alignscope.errors import AlignscopeError
from alignscope.data import Corpus
from alignscope.data import gemma_lineage
from alignscope.data.demo import demo_model_path

REFERENCE_LANG = "en"
DEMO_BASE = "base"
DEMO_ALIGNED = ("aligned-en", "aligned-multi")
# A chat template saved beside an adapter, as transformers saves one beside a tokenizer.
CHAT_TEMPLATE_FILE = "chat_template.jinja"
# Named lineages (`--models`): name -> a function returning their sources, base first.
LINEAGES = {
    "demo": lambda: {name: str(demo_model_path(name)) for name in (DEMO_BASE, *DEMO_ALIGNED)},
    gemma_lineage.LINEAGE: gemma_lineage.sources,
}


def model_sources(base: str | None, aligned: Sequence[str] | None, lineage: str | None = None) -> dict[str, str]:
    """`{name: path or hub id}`, base first: the named `lineage` (`LINEAGES`), else `base` and
    `aligned`; the demo models where none is given; `base` alone (or `aligned` alone) is a
    single-model run.

    Names are the last path component (a hub id's name; a GGUF file's name without `.gguf`), made
    unique with a suffix; a named lineage's are its own (base, aligned-en, aligned-multi).

    Raises:
      AlignscopeError: a lineage together with `base` or `aligned`, or an unknown lineage.
    """
    if lineage is not None:
        if base or aligned:
            raise AlignscopeError(f"--models={lineage} names the models itself; drop --base and --aligned, or --models")
        if lineage not in LINEAGES:
            raise AlignscopeError(f"unknown --models={lineage!r}; accepted: {', '.join(LINEAGES)}")
        return LINEAGES[lineage]()
    if not base and not aligned:
        return LINEAGES["demo"]()
    sources: dict[str, str] = {}
    for source in ([base] if base else []) + list(aligned or ()):
        path = pathlib.PurePath(str(source).rstrip("/").split("@")[0])
        name = (path.stem if path.suffix.lower() == ".gguf" else path.name) or str(source)
        unique, count = name, 2
        while unique in sources:
            unique, count = f"{name}-{count}", count + 1
        sources[unique] = str(source)
    return sources


def load_models(sources: dict[str, str], dtype: str = "float32", mesh=None) -> dict[str, engine.Model]:
    """`{name: Model}` read lazily (weights are read on the first forward pass, so models whose
    activations are all stored are never read). A source that is a PEFT LoRA adapter directory is
    merged into its base (`adapter_base`)."""
    models = {name: engine.load_model(adapter_base(sources, source) or source, dtype=dtype, mesh=mesh,
                                      adapter=source if lora.is_adapter_dir(source) else None)
              for name, source in sources.items()}
    check_same_shape(models)
    return models


def adapter_base(sources: dict[str, str], source: str) -> str | None:
    """The checkpoint a PEFT adapter `source` adapts: the run's base (its first source; when that is
    an adapter too, the checkpoint it adapts), or, when the adapter is the first source, the base
    its config names; None when `source` is no adapter.

    Raises:
      AlignscopeError: an adapter alone whose config names no base.
    """
    if not lora.is_adapter_dir(source):
        return None
    first = next(iter(sources.values()))
    if first != source:
        return adapter_base(sources, first) or first
    named = lora.read_adapter(source).base_model
    if not named:
        raise AlignscopeError(f"the adapter {source} names no base model (base_model_name_or_path); give the base "
                              f"with --base and the adapter with --aligned")
    return named


def check_same_shape(models: dict[str, engine.Model]) -> None:
    """Every model must have the base's hidden-state count and width (same texts, same layers)."""
    shapes = {name: (model.config.num_layers, model.config.hidden_size) for name, model in models.items()}
    if len(set(shapes.values())) != 1:
        described = ", ".join(f"{name}: {layers} layers x {width}" for name, (layers, width) in shapes.items())
        raise AlignscopeError(f"the models differ in depth or width ({described}); compare checkpoints of one "
                              "architecture and size")


def hidden_states(model: engine.Model, layers) -> tuple[int, ...]:
    """The hidden-state indices (0..L) an extraction of `layers` returns; None means all of them."""
    return model.layer_indices(layers) or tuple(range(model.config.num_layers + 1))


def load_tokenizer(sources: dict[str, str]):
    """The tokenizer saved with the last model (an aligned one, whose chat template applies); an
    adapter saved without a tokenizer uses its base's, with the adapter's `chat_template.jinja`
    where it has one (a base such as a pretrained GGUF may have no template)."""
    source = list(sources.values())[-1]
    template = None
    if lora.is_adapter_dir(source) and not (pathlib.Path(source) / "tokenizer_config.json").is_file():
        template = pathlib.Path(source) / CHAT_TEMPLATE_FILE
        source = adapter_base(sources, source)
    tokenizer = engine.load_tokenizer(source)
    if template is not None and template.is_file():
        tokenizer.chat_template = template.read_text()
    return tokenizer


def load_languages(dataset: str, langs: Sequence[str] | None, per_class: int | None, seed: int,
                   split: str | None = None, reference: str | None = REFERENCE_LANG,
                   **column_choices) -> tuple[Corpus, list[str]]:
    """The corpus restricted to `langs` (None: all), with `reference` added first where the dataset
    has it, and notes about what was added or is missing."""
    corpus = engine.load_corpus(dataset, per_class=per_class, seed=seed, split=split, **column_choices)
    notes = []
    available = corpus.languages
    wanted = list(available) if langs is None else list(corpus.select(langs).languages)
    if reference is not None:
        if reference in available and reference not in wanted:
            wanted = [reference, *wanted]
            notes.append(f"English ({reference}) was added as the reference language of the paired test")
        elif reference not in available:
            notes.append(f"the dataset has no English ({reference}) rows, so the paired test against English is "
                         "left out")
    if reference in wanted:
        wanted = [reference] + [lang for lang in wanted if lang != reference]
    return corpus.select(wanted), notes


def group_ids(corpus: Corpus) -> list:
    """`[n]` each row's group: its parallel id, else (a corpus without parallel ids) its pair id,
    else (neither) its row index as a string. Splits keep a group on one side, so a prompt and
    its translations (or its paired sentence) never land in two splits."""
    return corpus.parallel_ids or corpus.pair_ids or [str(i) for i in range(len(corpus))]


def resampling_groups(corpus: Corpus) -> np.ndarray:
    """`[n]` group ids: rows sharing a parallel id, a pair id, or the same text in one language
    are one group (connected components), so they are drawn together and share a probe fold."""
    n = len(corpus)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = [list(zip(corpus.langs, corpus.texts))]
    keys += [ids for ids in (corpus.parallel_ids, corpus.pair_ids) if ids is not None]
    for values in keys:
        first: dict = {}
        for i, value in enumerate(values):
            if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
                continue
            if value in first:
                a, b = find(first[value]), find(i)
                parent[max(a, b)] = min(a, b)
            else:
                first[value] = i
    return np.array([find(i) for i in range(n)])


def resolve_dataset(dataset: str, shared_data: str) -> str:
    """`dataset` as given, or its copy under `--shared_data` where a hub id has one there."""
    if dataset == "demo" or os.path.exists(dataset):
        return dataset
    local = pathlib.Path(shared_data) / dataset.split("@")[0]
    return str(local) if local.is_dir() else dataset
