"""`python -m experiments.make_demo`: rebuilds the demo lineage from the demo corpus's train split.

  1. a byte-level BPE tokenizer trained on every train-split text (prompts, chosen and rejected
     answers, all languages), with the chat template of `experiments.bpe_tokenizer`;
  2. `base`: a small Llama pretrained on every train-split text as plain text, and on every
     train-split prompt in the chat format with its helpful answer: the chosen one to a harmless
     prompt, the rejected (complying) one to a harmful prompt. So `base` is a helpful-only
     assistant, the usual start of safety tuning: it answers everything and refuses nothing;
  3. `aligned-en`: `base` as stored (bfloat16), reloaded, after SFT on the chosen answers of the
     English pairs, then DPO on those pairs (against the SFT model as reference);
  4. `aligned-multi`: the same SFT and DPO (steps, batch sizes, schedules) on the pairs of every
     language.

Each is written by `engine.save_model` with the tokenizer into `--demo_models_dir/<name>/`, its
config.json recording the corpus hash as `alignscope_corpus_sha256`; loss histories go to
`--output_dir/make_demo/base/history.csv` and `<aligned>/{sft,dpo}/history.csv`. `--quick` runs
the same pipeline with a tiny model and few steps (for tests); its models are not the shipped ones.
"""

from __future__ import annotations

import dataclasses
import pathlib
import tempfile
import time
from typing import Any

import numpy as np
from absl import logging

from alignscope import engine
from alignscope.data.demo import DEMO_LANGS, Preferences, demo_corpus_hash, load_preferences
from alignscope.data.demo.shipped import MODELS_DIR
from alignscope.experiments import flags
from alignscope.experiments.bpe_tokenizer import CHAT_TEMPLATE, train_bpe_tokenizer

SAVED_DTYPE = "bfloat16"


@dataclasses.dataclass(frozen=True)
class MakeDemoConfig:
    """`python -m experiments.make_demo`: its flags.

    Attributes:
      quick: A reduced run (tiny model, few steps) of the same pipeline, for tests.
      seed: Seed of the initial weights, the packing and the data order.
      demo_models_dir: Directory the demo models are written to, <demo_models_dir>/{base,aligned-en,aligned-multi}/.
      output_dir: Directory of the loss histories, <output_dir>/make_demo/base/history.csv and
        <output_dir>/make_demo/<aligned>/{sft,dpo}/history.csv.
    """

    quick: bool = False
    seed: int = 0
    demo_models_dir: str = str(MODELS_DIR)
    output_dir: str = "results"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Recipe:
    """The sizes and schedules of one make_demo run.

    Attributes:
      vocab_size: BPE vocabulary, special tokens included.
      hidden_size, intermediate_size, num_layers, num_heads: the Llama architecture (tied
        embeddings, head_dim = hidden_size / num_heads).
      document_tokens: pretraining texts are packed into documents of at most this many tokens.
      pretrain_epochs: passes over the packed documents.
      pretrain_batch: documents per update.
      pretrain_lr, pretrain_warmup: AdamW peak learning rate and warmup updates.
      sft_steps, sft_batch, sft_lr, sft_warmup: SFT on the chosen answers before DPO: updates,
        pairs per update, AdamW peak rate and warmup, the same for both aligned models.
      dpo_steps, dpo_batch: DPO updates and preference pairs per update, the same for both
        aligned models.
      dpo_lr, dpo_warmup, dpo_beta: DPO's AdamW peak rate, warmup and beta.
      max_length: longest DPO sequence in tokens (the longest train pair fits).
      pairs_per_lang: use only the first this many train pairs of each language; None: all.
    """

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    document_tokens: int
    pretrain_epochs: float
    pretrain_batch: int
    pretrain_lr: float
    pretrain_warmup: int
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
    pairs_per_lang: int | None = None


FULL = Recipe(vocab_size=4096, hidden_size=128, intermediate_size=384, num_layers=6, num_heads=4,
              document_tokens=256, pretrain_epochs=6, pretrain_batch=16, pretrain_lr=3e-3, pretrain_warmup=30,
              sft_steps=120, sft_batch=16, sft_lr=3e-4, sft_warmup=10,
              dpo_steps=40, dpo_batch=16, dpo_lr=1e-5, dpo_warmup=10, dpo_beta=0.5, max_length=192)
QUICK_RECIPE = Recipe(vocab_size=1024, hidden_size=32, intermediate_size=64, num_layers=2, num_heads=2,
                      document_tokens=256, pretrain_epochs=1, pretrain_batch=8, pretrain_lr=3e-3, pretrain_warmup=2,
                      sft_steps=3, sft_batch=4, sft_lr=1e-3, sft_warmup=1,
                      dpo_steps=4, dpo_batch=4, dpo_lr=3e-4, dpo_warmup=1, dpo_beta=0.1, max_length=256,
                      pairs_per_lang=16)


def train_demo_tokenizer(pairs: Preferences, vocab_size: int, directory: pathlib.Path):
    """Returns the demo tokenizer trained on every text of `pairs` (prompts, then chosen, then
    rejected answers, in file order), saved in `directory`."""
    texts = list(pairs.prompt) + list(pairs.chosen) + list(pairs.rejected)
    return train_bpe_tokenizer(texts, vocab_size, directory, CHAT_TEMPLATE)


def architecture(recipe: Recipe, tokenizer) -> dict[str, Any]:
    """Returns the config.json of the demo's Llama for `recipe` and `tokenizer`."""
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": len(tokenizer),
        "hidden_size": recipe.hidden_size, "intermediate_size": recipe.intermediate_size,
        "num_hidden_layers": recipe.num_layers, "num_attention_heads": recipe.num_heads,
        "num_key_value_heads": recipe.num_heads, "head_dim": recipe.hidden_size // recipe.num_heads,
        "hidden_act": "silu", "rms_norm_eps": 1e-5, "max_position_embeddings": 512,
        "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}, "tie_word_embeddings": True,
        "attention_bias": False, "mlp_bias": False, "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id,
    }


def helpful_answers(pairs: Preferences) -> list[str]:
    """Returns per pair the answer of a helpful-only assistant: the rejected (complying) answer to a
    harmful prompt, the chosen answer to a harmless one."""
    return [rejected if label == 1 else chosen
            for chosen, rejected, label in zip(pairs.chosen, pairs.rejected, pairs.label)]


def pretraining_pieces(tokenizer, pairs: Preferences) -> list[str]:
    """Returns every pretraining sequence as a string without its BOS and EOS: each prompt, chosen
    and rejected answer as plain text, then each prompt in the chat format answered by its
    helpful answer (`helpful_answers`).

    Tokenized with BOS and EOS around it (how `engine.tune` pretrains on a text), a chat piece has
    exactly the ids that DPO and `response_logprobs` (chat_template, append_eos) give the pair.
    """
    plain = list(pairs.prompt) + list(pairs.chosen) + list(pairs.rejected)
    bos, eos = tokenizer.bos_token, tokenizer.eos_token
    chats = []
    for prompt, answer in zip(pairs.prompt, helpful_answers(pairs)):
        rendered = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}], tokenize=False)
        assert rendered.startswith(bos) and rendered.endswith(eos), rendered
        chats.append(rendered[len(bos):-len(eos)])
    return plain + chats


def pack_documents(tokenizer, pieces: list[str], document_tokens: int, seed: int) -> list[str]:
    """Returns `pieces` in a seeded random order, packed greedily into documents of at most
    `document_tokens` tokens (a piece longer than that alone), joined by EOS then BOS, so a
    document tokenized with BOS and EOS around it is its pieces' sequences back to back."""
    lengths = [len(ids) + 2 for ids in tokenizer(pieces, add_special_tokens=False)["input_ids"]]
    joint = tokenizer.eos_token + tokenizer.bos_token
    documents, current, used = [], [], 0
    for index in np.random.default_rng(seed).permutation(len(pieces)):
        if current and used + lengths[index] > document_tokens:
            documents.append(joint.join(current))
            current, used = [], 0
        current.append(pieces[index])
        used += lengths[index]
    documents.append(joint.join(current))
    return documents


def train_pairs(recipe: Recipe, langs: list[str] | None = None) -> Preferences:
    """Returns the train split's preference pairs in `langs` (default all), the first
    `recipe.pairs_per_lang` of each language when that is set."""
    pairs = load_preferences("demo", split="train", langs=langs)
    if recipe.pairs_per_lang is None:
        return pairs
    keep = np.concatenate([np.flatnonzero(np.asarray(pairs.lang) == lang)[:recipe.pairs_per_lang]
                           for lang in dict.fromkeys(pairs.lang)])
    return Preferences(*(tuple(getattr(pairs, f.name)[i] for i in keep) for f in dataclasses.fields(pairs)))


def make_demo(models_dir: pathlib.Path, log_dir: pathlib.Path, recipe: Recipe, seed: int) -> dict[str, float]:
    """Builds the tokenizer and the three demo models into `models_dir`; returns seconds per stage."""
    seconds, began = {}, time.perf_counter()
    train = train_pairs(recipe)
    extra = {"alignscope_corpus_sha256": demo_corpus_hash()}
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = train_demo_tokenizer(train, recipe.vocab_size, pathlib.Path(scratch))
    seconds["tokenizer"] = time.perf_counter() - began

    began = time.perf_counter()
    documents = pack_documents(tokenizer, pretraining_pieces(tokenizer, train), recipe.document_tokens, seed)
    steps = max(1, round(recipe.pretrain_epochs * len(documents) / recipe.pretrain_batch))
    logging.info("pretraining base on %d documents: %d updates of %d", len(documents), steps, recipe.pretrain_batch)
    pretrain = engine.TuneConfig(method="pretrain", steps=steps, batch_size=recipe.pretrain_batch,
                                 learning_rate=recipe.pretrain_lr, warmup_steps=recipe.pretrain_warmup,
                                 weight_decay=0.01, seed=seed, max_length=recipe.document_tokens, append_eos=True)
    start = engine.init_model(architecture(recipe, tokenizer), dtype="float32", seed=seed)
    base = engine.tune(start, tokenizer, documents, pretrain, log_dir=log_dir / "base").model
    engine.save_model(base, models_dir / "base", tokenizer, dtype=SAVED_DTYPE, extra_config=extra)
    seconds["base"] = time.perf_counter() - began

    for name, langs in (("aligned-en", ["en"]), ("aligned-multi", list(DEMO_LANGS))):
        began = time.perf_counter()
        stored_base = engine.load_model(models_dir / "base", dtype="float32")
        pairs = train_pairs(recipe, langs)
        sft = engine.TuneConfig(method="sft", steps=recipe.sft_steps, batch_size=recipe.sft_batch,
                                learning_rate=recipe.sft_lr, warmup_steps=recipe.sft_warmup, weight_decay=0.01,
                                seed=seed, max_length=recipe.max_length, chat_template=True, append_eos=True)
        tuned = engine.tune(stored_base, tokenizer, pairs, sft, log_dir=log_dir / name / "sft").model
        dpo = engine.TuneConfig(method="dpo", steps=recipe.dpo_steps, batch_size=recipe.dpo_batch,
                                learning_rate=recipe.dpo_lr, warmup_steps=recipe.dpo_warmup, beta=recipe.dpo_beta,
                                seed=seed, max_length=recipe.max_length, chat_template=True, append_eos=True)
        aligned = engine.tune(tuned, tokenizer, pairs, dpo, log_dir=log_dir / name / "dpo").model
        engine.save_model(aligned, models_dir / name, tokenizer, dtype=SAVED_DTYPE, extra_config=extra)
        seconds[name] = time.perf_counter() - began
    return seconds


@flags.command(MakeDemoConfig)
def main(config: MakeDemoConfig) -> None:
    """`make_demo` with the full recipe (or the quick one) into `config.demo_models_dir`."""
    logging.set_verbosity(logging.INFO)
    recipe = QUICK_RECIPE if config.quick else FULL
    began = time.perf_counter()
    seconds = make_demo(pathlib.Path(config.demo_models_dir).expanduser(),
                        pathlib.Path(config.output_dir).expanduser() / "make_demo", recipe, config.seed)
    stages = ", ".join(f"{name} {value:.0f} s" for name, value in seconds.items())
    print(f"make_demo: {time.perf_counter() - began:.0f} s ({stages}) -> {config.demo_models_dir}")


if __name__ == "__main__":
    flags.run(main)
