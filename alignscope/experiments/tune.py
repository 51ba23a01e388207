"""Tunes a model by pretraining, SFT or DPO (every weight, or LoRA factors with --lora_rank) and
saves it as a Hugging Face checkpoint (with LoRA also the adapter, in PEFT's layout), with its
loss curve (history.csv, loss.png).

    python -m experiments.tune --method=dpo --model=demo:base --data=demo --langs=en --steps=200 \
        --output_dir=results/aligned-en

--model and --reference take a checkpoint directory, a hub id, or `demo:<name>` for a shipped
demo model. --data=demo reads the demo corpus's train split (pretrain: every prompt, chosen and
rejected answer as a text; sft: prompts and chosen answers; dpo: the preference pairs); any other
value is a table file (CSV, TSV, JSONL, JSON, parquet) with columns `text` (pretrain),
`prompt`+`response` (sft) or `prompt`+`chosen`+`rejected` (dpo).
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any

import pandas as pd

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.data import tables
from alignscope.data.demo.shipped import demo_model_path
from alignscope.train import METHODS
from alignscope.experiments import flags, outputs
from alignscope.experiments.flags import flag

WEIGHT_DTYPES = ("float32", "bfloat16")


@dataclasses.dataclass(frozen=True)
class TuneCommandConfig:
    """`python -m experiments.tune`: its flags (`engine.TuneConfig` is the tuning itself).

    Attributes:
      method: Tuning method.
      model: The starting model: a directory, hub id or demo:<name>.
      reference: DPO's frozen reference (default: the starting model).
      data: `demo` (the demo corpus's train split) or a table file.
      langs: Demo corpus languages to train on (comma-separated).
      steps: Optimiser updates.
      batch_size: Examples per update.
      grad_accum: Micro-batches per update.
      learning_rate: Peak AdamW learning rate.
      warmup_steps: Linear warmup updates before cosine decay.
      weight_decay: AdamW decoupled weight decay.
      max_grad_norm: Global-norm gradient clipping (0: off).
      beta: DPO inverse temperature.
      label_smoothing: DPO label smoothing (conservative DPO).
      max_length: Longest sequence in tokens.
      chat_template: Render prompts with the tokenizer's chat template.
      seed: Seed of the data order.
      param_dtype: Trained weights' dtype.
      compute_dtype: Forward/backward dtype.
      save_dtype: Dtype of the saved weights.
      checkpoint_every: Save the training state every N updates into <output_dir>/state (0: never); a rerun with
        the same flags resumes from it.
      mesh: Device mesh, e.g. `data:8` or `data:4,model:2` (default: one device).
      lora_rank: 0 tunes every weight; r > 0 tunes LoRA factors of rank r only, the base frozen, and also saves
        them in PEFT's layout in <output_dir>/adapter.
      lora_alpha: LoRA's alpha (the update is scaled by alpha / r).
      lora_targets: Linear layers LoRA adapts, as PEFT's target_modules (comma-separated).
      output_dir: Directory of the tuned model (<output_dir>/model), history.csv and loss.png.
    """

    method: str = flag("dpo", choices=METHODS)
    model: str = "demo:base"
    reference: str = ""
    data: str = "demo"
    langs: tuple[str, ...] = ("en",)
    steps: int = 100
    batch_size: int = 16
    grad_accum: int = 1
    learning_rate: float = 1e-4
    warmup_steps: int = 10
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    beta: float = 0.1
    label_smoothing: float = 0.0
    max_length: int = 256
    chat_template: bool = True
    seed: int = 0
    param_dtype: str = flag("float32", choices=WEIGHT_DTYPES)
    compute_dtype: str = flag("float32", choices=WEIGHT_DTYPES)
    save_dtype: str = flag("float32", choices=WEIGHT_DTYPES)
    checkpoint_every: int = 0
    mesh: str = ""
    lora_rank: int = flag(0, lower_bound=0)
    lora_alpha: float = 16.0
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    output_dir: str = "results"


def resolve_model_path(name: str) -> str | pathlib.Path:
    """Returns a checkpoint location: `demo:<name>` -> the shipped demo model, else `name` as given."""
    return demo_model_path(name.split(":", 1)[1]) if name.startswith("demo:") else name


def training_data(method: str, source: str, langs: list[str]) -> Any:
    """Returns `engine.tune`'s data for `method` from the demo corpus's train split or a table file."""
    if source == "demo":
        pairs = engine.load_preferences("demo", split="train", langs=langs)
        if method == "pretrain":
            return list(pairs.prompt) + list(pairs.chosen) + list(pairs.rejected)
        return (list(pairs.prompt), list(pairs.chosen)) if method == "sft" else pairs
    path = pathlib.Path(source).expanduser()
    if not path.is_file():
        raise AlignscopeError(f"--data={source!r} is neither `demo` nor a table file")
    table = tables.read_table(path)
    where = str(path)
    if method == "pretrain":
        return tables.texts_of(table[tables.require_column(table, "text", where)])
    columns = ("prompt", "response") if method == "sft" else ("prompt", "chosen", "rejected")
    return tuple(tables.texts_of(table[tables.require_column(table, column, where)]) for column in columns)


def plot_history(history: pd.DataFrame, path: pathlib.Path, title: str) -> None:
    """Writes the loss curve (and, for DPO, the reward accuracy) per update as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    extra = "reward_accuracy" in history
    fig, axes = plt.subplots(1, 2 if extra else 1, figsize=(10 if extra else 5.5, 3.6), squeeze=False)
    axes[0, 0].plot(history["step"], history["loss"], lw=1.2)
    axes[0, 0].set(xlabel="update", ylabel="loss", title=title)
    if extra:
        axes[0, 1].plot(history["step"], history["reward_accuracy"], lw=1.2, color="tab:green")
        axes[0, 1].set(xlabel="update", ylabel="reward accuracy (batch)", ylim=(-0.02, 1.02),
                       title="chosen preferred over rejected")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@flags.command(TuneCommandConfig)
def main(config: TuneCommandConfig) -> None:
    """Tunes `config.model` and saves it, its history and its loss curve into `config.output_dir`."""
    output = outputs.writable_directory(config.output_dir)
    tune_config = engine.TuneConfig(
        method=config.method, steps=config.steps, batch_size=config.batch_size, learning_rate=config.learning_rate,
        warmup_steps=config.warmup_steps, weight_decay=config.weight_decay, max_grad_norm=config.max_grad_norm,
        grad_accum=config.grad_accum, seed=config.seed, beta=config.beta, label_smoothing=config.label_smoothing,
        max_length=config.max_length, chat_template=config.chat_template and config.method != "pretrain",
        param_dtype=config.param_dtype, compute_dtype=config.compute_dtype, checkpoint_every=config.checkpoint_every,
        lora_rank=config.lora_rank, lora_alpha=config.lora_alpha, lora_targets=config.lora_targets)
    if config.reference and config.method != "dpo":
        raise AlignscopeError(f"--reference is used by --method=dpo only, not {config.method}")
    data = training_data(config.method, config.data, list(config.langs))
    location = resolve_model_path(config.model)
    mesh = engine.make_mesh(config.mesh) if config.mesh else None
    model = engine.load_model(location, mesh=mesh)
    tokenizer = engine.load_tokenizer(location)
    reference = engine.load_model(resolve_model_path(config.reference), mesh=mesh) if config.reference else None
    result = engine.tune(model, tokenizer, data, tune_config, reference=reference, mesh=mesh,
                         checkpoint_dir=output / "state" if config.checkpoint_every else None, log_dir=output)
    engine.save_model(result.model, output / "model", tokenizer, dtype=config.save_dtype,
                      extra_config={"alignscope_tuning": {"method": config.method, "data": config.data,
                                                          "langs": list(config.langs), "steps": config.steps}})
    if result.adapters is not None:
        engine.save_adapter(result.adapters, output / "adapter", base_model=str(location))
    plot_history(result.history, output / "loss.png", f"{config.method} of {config.model}")
    last = result.history.iloc[-1]
    adapter = f", LoRA adapter in {output / 'adapter'}" if result.adapters is not None else ""
    print(f"{config.method}: {len(result.history)} updates, final loss {last['loss']:.4f}; model in "
          f"{output / 'model'}{adapter}, loss curve in {output / 'loss.png'}")


if __name__ == "__main__":
    flags.run(main)
