"""Tunes a model by pretraining, SFT or DPO and saves it as a Hugging Face checkpoint, with its
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

import pathlib
from typing import Any

import pandas as pd
from absl import flags as absl_flags

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.data import tables
from alignscope.data.demo.shipped import demo_model_path
from alignscope.train import METHODS
from alignscope.experiments import flags

METHOD = absl_flags.DEFINE_enum("method", "dpo", list(METHODS), "Tuning method.")
MODEL = absl_flags.DEFINE_string("model", "demo:base", "The starting model: a directory, hub id or demo:<name>.")
REFERENCE = absl_flags.DEFINE_string("reference", "", "DPO's frozen reference (default: the starting model).")
DATA = absl_flags.DEFINE_string("data", "demo", "`demo` (the demo corpus's train split) or a table file.")
LANGS = absl_flags.DEFINE_list("langs", ["en"], "Demo corpus languages to train on (comma-separated).")
STEPS = absl_flags.DEFINE_integer("steps", 100, "Optimiser updates.")
BATCH_SIZE = absl_flags.DEFINE_integer("batch_size", 16, "Examples per update.")
GRAD_ACCUM = absl_flags.DEFINE_integer("grad_accum", 1, "Micro-batches per update.")
LEARNING_RATE = absl_flags.DEFINE_float("learning_rate", 1e-4, "Peak AdamW learning rate.")
WARMUP_STEPS = absl_flags.DEFINE_integer("warmup_steps", 10, "Linear warmup updates before cosine decay.")
WEIGHT_DECAY = absl_flags.DEFINE_float("weight_decay", 0.0, "AdamW decoupled weight decay.")
MAX_GRAD_NORM = absl_flags.DEFINE_float("max_grad_norm", 1.0, "Global-norm gradient clipping (0: off).")
BETA = absl_flags.DEFINE_float("beta", 0.1, "DPO inverse temperature.")
LABEL_SMOOTHING = absl_flags.DEFINE_float("label_smoothing", 0.0, "DPO label smoothing (conservative DPO).")
MAX_LENGTH = absl_flags.DEFINE_integer("max_length", 256, "Longest sequence in tokens.")
CHAT_TEMPLATE = absl_flags.DEFINE_boolean("chat_template", True, "Render prompts with the tokenizer's chat template.")
SEED = absl_flags.DEFINE_integer("seed", 0, "Seed of the data order.")
PARAM_DTYPE = absl_flags.DEFINE_enum("param_dtype", "float32", ["float32", "bfloat16"], "Trained weights' dtype.")
COMPUTE_DTYPE = absl_flags.DEFINE_enum("compute_dtype", "float32", ["float32", "bfloat16"], "Forward/backward dtype.")
SAVE_DTYPE = absl_flags.DEFINE_enum("save_dtype", "float32", ["float32", "bfloat16"], "Dtype of the saved weights.")
CHECKPOINT_EVERY = absl_flags.DEFINE_integer(
    "checkpoint_every", 0, "Save the training state every N updates into <output_dir>/state (0: never); a rerun "
    "with the same flags resumes from it.")
MESH = absl_flags.DEFINE_string("mesh", "", "Device mesh, e.g. `data:8` or `data:4,model:2` (default: one device).")


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


def main(argv: list[str]) -> None:
    del argv
    output = flags.writable_directory(flags.OUTPUT_DIR.value)
    config = engine.TuneConfig(
        method=METHOD.value, steps=STEPS.value, batch_size=BATCH_SIZE.value, learning_rate=LEARNING_RATE.value,
        warmup_steps=WARMUP_STEPS.value, weight_decay=WEIGHT_DECAY.value, max_grad_norm=MAX_GRAD_NORM.value,
        grad_accum=GRAD_ACCUM.value, seed=SEED.value, beta=BETA.value, label_smoothing=LABEL_SMOOTHING.value,
        max_length=MAX_LENGTH.value, chat_template=CHAT_TEMPLATE.value and METHOD.value != "pretrain",
        param_dtype=PARAM_DTYPE.value, compute_dtype=COMPUTE_DTYPE.value, checkpoint_every=CHECKPOINT_EVERY.value)
    if REFERENCE.value and METHOD.value != "dpo":
        raise AlignscopeError(f"--reference is used by --method=dpo only, not {METHOD.value}")
    data = training_data(METHOD.value, DATA.value, LANGS.value)
    location = resolve_model_path(MODEL.value)
    mesh = engine.make_mesh(MESH.value) if MESH.value else None
    model = engine.load_model(location, mesh=mesh)
    tokenizer = engine.load_tokenizer(location)
    reference = engine.load_model(resolve_model_path(REFERENCE.value), mesh=mesh) if REFERENCE.value else None
    result = engine.tune(model, tokenizer, data, config, reference=reference, mesh=mesh,
                         checkpoint_dir=output / "state" if CHECKPOINT_EVERY.value else None, log_dir=output)
    engine.save_model(result.model, output / "model", tokenizer, dtype=SAVE_DTYPE.value,
                      extra_config={"alignscope_tuning": {"method": METHOD.value, "data": DATA.value,
                                                          "langs": LANGS.value, "steps": STEPS.value}})
    plot_history(result.history, output / "loss.png", f"{METHOD.value} of {MODEL.value}")
    last = result.history.iloc[-1]
    print(f"{METHOD.value}: {len(result.history)} updates, final loss {last['loss']:.4f}; model in "
          f"{output / 'model'}, loss curve in {output / 'loss.png'}")


if __name__ == "__main__":
    flags.run(main)
