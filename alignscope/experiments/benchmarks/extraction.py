"""The `padding` and `extraction` benchmark suites, on the real TextDetox texts: alignscope's
batch schedules (padding efficiency, compiled shapes) and its extraction against transformers'
(tokens/s, same weights and texts). The model timed is a real checkpoint (`--model`, a directory,
hub id or .gguf file, with its own tokenizer), or a random Llama whose lengths come from a 32k
byte-level BPE tokenizer trained on those texts.
"""

from __future__ import annotations

import dataclasses
import pathlib
import time
from typing import Sequence

import numpy as np

from alignscope import engine
from alignscope.checkpoints import gguf
from alignscope.errors import AlignscopeError
from alignscope.experiments.bpe_tokenizer import train_bpe_tokenizer
from alignscope.experiments.flags import flag
from alignscope.runtime import batching
from alignscope.runtime.encoding import encode_texts


@dataclasses.dataclass(frozen=True)
class TextSuitesConfig:
    """The padding and extraction suites' flags.

    Attributes:
      langs: TextDetox languages to use.
      texts_per_lang: Texts per language timed in the extraction suite.
      batch_size: Rows per batch at max_length.
      max_length: Longest input in tokens.
      threads: CPU threads for PyTorch (XLA uses the same cores).
      repeats: Timed passes per implementation; the fastest counts.
      llama: Size of the random Llama timed in the extraction suite when no --model is given.
      model: A real checkpoint to time instead (directory, hub id or .gguf file), with its own tokenizer;
        transformers loads the same files (a .gguf file through gguf_file=).
      dtype: Weights and compute dtype of both peers.
      torch_device: PyTorch device for the transformers peer (cpu, cuda).
    """

    langs: tuple[str, ...] = ("en", "zh", "hi", "de")
    texts_per_lang: int = 256
    batch_size: int = 32
    max_length: int = 256
    threads: int = 2
    repeats: int = 2
    llama: str = flag("50m", choices=("50m", "1b"))
    model: str | None = None
    dtype: str = flag("float32", choices=("float32", "bfloat16"))
    torch_device: str = "cpu"


LLAMA_SIZES = {
    "50m": dict(hidden_size=512, intermediate_size=1536, num_hidden_layers=10, num_attention_heads=8,
                num_key_value_heads=4),
    "1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=16, num_attention_heads=32,
               num_key_value_heads=8),
}

TOXICITY = "textdetox/multilingual_toxicity_dataset"
BPE_VOCAB = 32000


def texts_by_language(shared_data: str, langs: Sequence[str]) -> dict[str, list[str]]:
    """`{lang: texts}` of the real TextDetox copy under `shared_data`.

    Raises:
      AlignscopeError: there is no copy.
    """
    source = pathlib.Path(shared_data) / TOXICITY
    if not source.is_dir():
        raise AlignscopeError(f"the benchmarks read the real TextDetox copies; none at {source} "
                              f"(set --shared_data to the folder holding textdetox/)")
    corpus = engine.load_corpus(str(source), langs=list(langs))
    return {lang: list(corpus.select([lang]).texts) for lang in langs}


def tokenizer_for(texts: dict[str, list[str]], directory: pathlib.Path):
    """A byte-level BPE tokenizer of `BPE_VOCAB` tokens trained on every text, saved in `directory`."""
    return train_bpe_tokenizer([t for lang_texts in texts.values() for t in lang_texts], BPE_VOCAB, directory)


def padding_suite(texts: dict[str, list[str]], tokenizer, config: TextSuitesConfig) -> dict:
    """Per language: token counts, and the padding efficiency, batches and compiled shapes of
    input-order batches of 32, of the bucketed schedule and of the packed one."""
    rows = {}
    for lang, lang_texts in texts.items():
        encoded = encode_texts(tokenizer, lang_texts, config.max_length)
        lengths = np.array([len(item.ids) for item in encoded])
        naive = sum(len(block) * block.max() for block in np.array_split(lengths, -(-lengths.size // 32)))
        rows[lang] = {"texts": int(lengths.size), "mean_tokens": float(lengths.mean()),
                      "max_tokens": int(lengths.max()), "truncated": sum(item.truncated for item in encoded),
                      "input_order_32_padding_efficiency": float(lengths.sum() / naive)}
        for name, pack in (("bucketed", False), ("packed", True)):
            plan = batching.plan_batches(lengths, config.batch_size, config.max_length, pack=pack)
            rows[lang] |= {f"{name}_padding_efficiency": batching.padding_efficiency(lengths, plan),
                           f"{name}_batches": len(plan), f"{name}_compiled_shapes": batching.compiled_shapes(plan)}
    return rows


def _random_llama(directory: pathlib.Path, vocab_size: int, config: TextSuitesConfig):
    """Saves a random Llama of `config.llama` size (tied embeddings); returns the transformers peer."""
    import torch
    import transformers

    llama = transformers.LlamaConfig(vocab_size=vocab_size, tie_word_embeddings=True, max_position_embeddings=1024,
                                     **LLAMA_SIZES[config.llama])
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(llama).eval()
    model.save_pretrained(directory)
    peer = transformers.AutoModel.from_pretrained(directory, dtype=getattr(torch, config.dtype))
    return peer.to(config.torch_device).eval()


def _transformers_peer(source: str, dtype: str, device: str):
    """transformers' base model (no head: hidden states only, as ours) of checkpoint `source`."""
    import torch
    import transformers

    gguf_file = gguf.find_gguf(source)
    if gguf_file is None:
        peer = transformers.AutoModel.from_pretrained(source, dtype=getattr(torch, dtype))
    else:
        peer = transformers.AutoModel.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name,
                                                      dtype=getattr(torch, dtype))
    return peer.to(device).eval()


def _torch_pooled(torch_model, batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """Returns per batch `[rows, L + 1, d_model]` mean-pooled hidden states of one text per row."""
    import torch

    outputs = []
    with torch.inference_mode():
        for ids, mask, weights in batches:
            device = torch_model.device
            hidden = torch_model(input_ids=torch.from_numpy(ids).long().to(device),
                                 attention_mask=torch.from_numpy(mask).to(device), output_hidden_states=True).hidden_states
            w = torch.from_numpy(weights[:, 0]).to(device)[:, :, None]
            outputs.append(torch.stack([(h.float() * w).sum(dim=1) for h in hidden], dim=1).cpu().numpy())
    return outputs


def _ours_pooled(model, batches) -> list[np.ndarray]:
    """Returns per batch `[rows, segments, L + 1, d_model]` pooled hidden states."""
    return [np.asarray(model.pooled_hidden_states(ids, mask, weights)) for ids, mask, weights in batches]


def _by_text(outputs: list[np.ndarray], plan: list, num_texts: int) -> np.ndarray:
    """Returns `[num_texts, L + 1, d_model]`: the batches' outputs put back in text order."""
    result = None
    for output, batch in zip(outputs, plan):
        slots = batch.slots[0].ravel()
        values = output.reshape(slots.size, *output.shape[-2:])
        if result is None:
            result = np.zeros((num_texts, *values.shape[1:]), dtype=np.float32)
        result[slots[slots >= 0]] = values[slots >= 0]
    return result


def _fastest(run, repeats: int) -> tuple[float, list[np.ndarray]]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def extraction_suite(texts: dict[str, list[str]], tokenizer, workdir: pathlib.Path, config: TextSuitesConfig
                     ) -> dict:
    """alignscope's packed rows against transformers' best plain batching: one text per row,
    sorted by length, each batch padded only to its longest text. Same texts, same weights."""
    import torch

    torch.set_num_threads(config.threads)
    if config.model:
        torch_model = _transformers_peer(config.model, config.dtype, config.torch_device)
        model = engine.load_model(config.model, dtype=config.dtype)
    else:
        torch_model = _random_llama(workdir / "llama", len(tokenizer), config)
        model = engine.load_model(workdir / "llama", dtype=config.dtype)
    parameters = sum(p.numel() for p in torch_model.parameters())
    sample = [text for lang_texts in texts.values() for text in lang_texts[:config.texts_per_lang]]
    encoded = dict(enumerate(encode_texts(tokenizer, sample, config.max_length)))
    lengths = np.array([len(encoded[i].ids) for i in range(len(sample))])
    plans = {pack: batching.plan_batches(lengths, config.batch_size, config.max_length, pack=pack)
             for pack in (True, False)}
    inputs = {pack: [batching.batch_inputs(encoded, batch.slots[0], batch.length, ["mean"], tokenizer.pad_token_id)
                     for batch in plan] for pack, plan in plans.items()}
    trimmed = []  # the peer's rows cut to each batch's longest text: no bucket padding at all
    for (ids, mask, weights), batch in zip(inputs[False], plans[False]):
        longest = int(lengths[batch.all_items()].max())
        trimmed.append((ids[:, :longest], mask[:, :longest], weights[:, :, :longest]))
    compile_start = time.perf_counter()
    _ours_pooled(model, inputs[True])  # First pass: compiles each bucket once.
    first_pass = time.perf_counter() - compile_start
    ours_seconds, ours = _fastest(lambda: _ours_pooled(model, inputs[True]), config.repeats)
    torch_seconds, theirs = _fastest(lambda: _torch_pooled(torch_model, trimmed), config.repeats)
    reference = _by_text(theirs, plans[False], len(sample))
    error = float(np.abs(_by_text(ours, plans[True], len(sample)) - reference).max())
    tokens = int(lengths.sum())
    peer_padded = sum(ids.size for ids, _, _ in trimmed)
    return {
        "model": config.model or f"random Llama {config.llama}", "parameters": int(parameters), "dtype": config.dtype, "torch_device": str(torch_model.device),
        "texts": len(sample), "real_tokens": tokens, "batches": len(plans[True]),
        "compiled_shapes": batching.compiled_shapes(plans[True]),
        "padding_efficiency": batching.padding_efficiency(lengths, plans[True]),
        "transformers_padding_efficiency": tokens / peer_padded, "threads": config.threads,
        "alignscope_tokens_per_s": tokens / ours_seconds, "transformers_tokens_per_s": tokens / torch_seconds,
        "speedup_alignscope_over_transformers": torch_seconds / ours_seconds,
        "alignscope_first_pass_seconds_with_compiles": first_pass,
        "max_abs_difference_pooled": error,
        "max_difference_pooled_relative_to_largest": error / float(np.abs(reference).max()), "torch": torch.__version__,
    }
