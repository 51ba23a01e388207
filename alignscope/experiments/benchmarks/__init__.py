"""Benchmarks, each side by side with its peer implementation on the same inputs, as ratios.

    python -m experiments.benchmark --suite=extraction --texts_per_lang=256
    python -m experiments.benchmark --suite=kernels --quick --output=kernels.json

Suites:
- `padding`: per language of the real TextDetox copies, padding efficiency and compile count
  of alignscope's packed schedule (several texts per row) and of its plain bucketed one,
  against batches of 32 in input order padded to their longest text. Lengths come from a 32k byte-level BPE tokenizer trained on those texts (no
  hub access here for a real model's tokenizer).
- `extraction`: tokens/s of mean-pooled all-layer extraction for a random Llama (`--llama`:
  ~50M or ~1B parameters, `--dtype`): alignscope (jitted Flax) against transformers'
  `AutoModel` (PyTorch on `--torch_device`), same weights, same texts, same thread count;
  alignscope packs texts into rows, transformers gets its best plain batching (sorted by
  length, each batch padded to its longest text); the pooled outputs are compared too.
- `analysis`: the experiments' one kernels entry point on the default run's shape (3 models x 7
  layers x 2 languages x 179 rows x d=128, 50 bootstrap / 20 permutations), whole, against
  scikit-learn and numpy on the same draws (see experiments/analysis.py).
- `kernels`: the Gram-first analysis kernels against scikit-learn and numpy on one analysis'
  shape (2 models x 33 layers x n=2000 x d=4096; `--quick` 4 layers x n=500 x d=1024), per metric
  and for the whole workload, against the machine's GEMM floor (see experiments/kernels.py).

Results go to `<output_dir>/benchmark/<suite>.json` with library versions and the device.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import tempfile
import time

import numpy as np
from absl import flags, logging

from alignscope.errors import AlignscopeError
from alignscope.versions import library_versions
from alignscope.experiments.benchmarks import analysis, kernels
from alignscope.experiments import flags as shared
from alignscope.experiments.bpe_tokenizer import train_bpe_tokenizer

SUITES = ("padding", "extraction", "kernels", "analysis")
SYNTHETIC = ("kernels", "analysis")  # suites that need neither the corpora nor a tokenizer
_SUITE = flags.DEFINE_list("suite", list(SUITES[:2]), f"Benchmarks to run, from: {', '.join(SUITES)}.")
_LANGS = flags.DEFINE_list("langs", ["en", "zh", "hi", "de"], "TextDetox languages to use.")
_TEXTS_PER_LANG = flags.DEFINE_integer("texts_per_lang", 256, "Texts per language timed in the extraction suite.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 32, "Rows per batch at max_length.")
_MAX_LENGTH = flags.DEFINE_integer("max_length", 256, "Longest input in tokens.")
_THREADS = flags.DEFINE_integer("threads", 2, "CPU threads for PyTorch (XLA uses the same cores).")
_REPEATS = flags.DEFINE_integer("repeats", 2, "Timed passes per implementation; the fastest counts.")
_LLAMA = flags.DEFINE_enum("llama", "50m", ["50m", "1b"], "Size of the random Llama timed in the extraction suite.")
_DTYPE = flags.DEFINE_enum("dtype", "float32", ["float32", "bfloat16"], "Weights and compute dtype of both peers.")
_TORCH_DEVICE = flags.DEFINE_string("torch_device", "cpu", "PyTorch device for the transformers peer (cpu, cuda).")
_QUICK = flags.DEFINE_boolean("quick", False, "kernels suite: a reduced shape (4 layers x n=500 x d=1024) of a few minutes.")
_KERNELS_SHAPE = flags.DEFINE_list("kernels_shape", None, "kernels suite: layers,n,d,replicas instead of the full or --quick shape.")
_SWEEP = flags.DEFINE_string("sweep", None, "kernels suite: also time the cost per layer over n and d and plot it to this PNG.")
_OUTPUT = flags.DEFINE_string("output", None, "JSON result file of a single suite (default <output_dir>/benchmark/<suite>.json).")

LLAMA_SIZES = {
    "50m": dict(hidden_size=512, intermediate_size=1536, num_hidden_layers=10, num_attention_heads=8,
                num_key_value_heads=4),
    "1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=16, num_attention_heads=32,
               num_key_value_heads=8),
}

TOXICITY = "textdetox/multilingual_toxicity_dataset"
BPE_VOCAB = 32000


def _texts_by_language() -> dict[str, list[str]]:
    from alignscope import engine
    source = pathlib.Path(shared.SHARED_DATA.value) / TOXICITY
    if not source.is_dir():
        raise AlignscopeError(f"the benchmarks read the real TextDetox copies; none at {source} "
                              f"(set --shared_data to the folder holding textdetox/)")
    corpus = engine.load_corpus(str(source), langs=_LANGS.value)
    return {lang: list(corpus.select([lang]).texts) for lang in _LANGS.value}


def padding_suite(texts: dict[str, list[str]], tokenizer) -> dict:
    from alignscope.runtime import batching
    from alignscope.runtime.encoding import encode_texts

    rows = {}
    for lang, lang_texts in texts.items():
        encoded = encode_texts(tokenizer, lang_texts, _MAX_LENGTH.value)
        lengths = np.array([len(item.ids) for item in encoded])
        naive = sum(len(block) * block.max() for block in np.array_split(lengths, -(-lengths.size // 32)))
        rows[lang] = {"texts": int(lengths.size), "mean_tokens": float(lengths.mean()),
                      "max_tokens": int(lengths.max()), "truncated": sum(item.truncated for item in encoded),
                      "input_order_32_padding_efficiency": float(lengths.sum() / naive)}
        for name, pack in (("bucketed", False), ("packed", True)):
            plan = batching.plan_batches(lengths, _BATCH_SIZE.value, _MAX_LENGTH.value, pack=pack)
            rows[lang] |= {f"{name}_padding_efficiency": batching.padding_efficiency(lengths, plan),
                           f"{name}_batches": len(plan), f"{name}_compiled_shapes": batching.compiled_shapes(plan)}
    return rows


def _random_llama(directory: pathlib.Path, vocab_size: int):
    """Saves a random Llama of `--llama` size (tied embeddings); returns the transformers peer."""
    import torch
    import transformers

    config = transformers.LlamaConfig(vocab_size=vocab_size, tie_word_embeddings=True, max_position_embeddings=1024,
                                      **LLAMA_SIZES[_LLAMA.value])
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config).eval()
    model.save_pretrained(directory)
    peer = transformers.AutoModel.from_pretrained(directory, dtype=getattr(torch, _DTYPE.value))
    return peer.to(_TORCH_DEVICE.value).eval()


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


def extraction_suite(texts: dict[str, list[str]], tokenizer, workdir: pathlib.Path) -> dict:
    """alignscope's packed rows against transformers' best plain batching: one text per row,
    sorted by length, each batch padded only to its longest text. Same texts, same weights."""
    import torch

    from alignscope import engine
    from alignscope.runtime import batching
    from alignscope.runtime.encoding import encode_texts

    torch.set_num_threads(_THREADS.value)
    torch_model = _random_llama(workdir / "llama", len(tokenizer))
    model = engine.load_model(workdir / "llama", dtype=_DTYPE.value)
    parameters = sum(p.numel() for p in torch_model.parameters())
    sample = [text for lang_texts in texts.values() for text in lang_texts[:_TEXTS_PER_LANG.value]]
    encoded = dict(enumerate(encode_texts(tokenizer, sample, _MAX_LENGTH.value)))
    lengths = np.array([len(encoded[i].ids) for i in range(len(sample))])
    plans = {pack: batching.plan_batches(lengths, _BATCH_SIZE.value, _MAX_LENGTH.value, pack=pack)
             for pack in (True, False)}
    inputs = {pack: [batching.batch_inputs(encoded, batch.slots[0], batch.length, "mean", tokenizer.pad_token_id)
                     for batch in plan] for pack, plan in plans.items()}
    trimmed = []  # the peer's rows cut to each batch's longest text: no bucket padding at all
    for (ids, mask, weights), batch in zip(inputs[False], plans[False]):
        longest = int(lengths[batch.all_items()].max())
        trimmed.append((ids[:, :longest], mask[:, :longest], weights[:, :, :longest]))
    compile_start = time.perf_counter()
    _ours_pooled(model, inputs[True])  # First pass: compiles each bucket once.
    first_pass = time.perf_counter() - compile_start
    ours_seconds, ours = _fastest(lambda: _ours_pooled(model, inputs[True]), _REPEATS.value)
    torch_seconds, theirs = _fastest(lambda: _torch_pooled(torch_model, trimmed), _REPEATS.value)
    error = float(np.abs(_by_text(ours, plans[True], len(sample)) - _by_text(theirs, plans[False], len(sample))).max())
    tokens = int(lengths.sum())
    peer_padded = sum(ids.size for ids, _, _ in trimmed)
    return {
        "parameters": int(parameters), "dtype": _DTYPE.value, "torch_device": str(torch_model.device),
        "texts": len(sample), "real_tokens": tokens, "batches": len(plans[True]),
        "compiled_shapes": batching.compiled_shapes(plans[True]),
        "padding_efficiency": batching.padding_efficiency(lengths, plans[True]),
        "transformers_padding_efficiency": tokens / peer_padded, "threads": _THREADS.value,
        "alignscope_tokens_per_s": tokens / ours_seconds, "transformers_tokens_per_s": tokens / torch_seconds,
        "speedup_alignscope_over_transformers": torch_seconds / ours_seconds,
        "alignscope_first_pass_seconds_with_compiles": first_pass,
        "max_abs_difference_pooled": error,
    }


def _kernels_shape() -> kernels.Shape:
    if _KERNELS_SHAPE.value is None:
        return kernels.QUICK if _QUICK.value else kernels.FULL
    try:
        layers, n, d, replicas = (int(v) for v in _KERNELS_SHAPE.value)
    except ValueError:
        layers = 0
    if layers < 1 or not 12 <= n < d or replicas < 1:
        raise AlignscopeError(f"--kernels_shape={','.join(_KERNELS_SHAPE.value)} is not accepted; use four integers"
                              " layers,n,d,replicas with layers >= 1, 12 <= n < d, replicas >= 1")
    return dataclasses.replace(kernels.QUICK, layers=layers, n=n, d=d, replicas=replicas,
                               peer_layers=min(2, layers), peer_replicas=min(10, replicas))


def kernels_suite() -> dict:
    shape = _kernels_shape()
    log = lambda line: logging.info("%s", line)
    result = kernels.run(shape, log=log)
    print(kernels.table(result))
    if _SWEEP.value:
        result["sweep"] = kernels.sweep(log=log)
        kernels.plot_sweep(result["sweep"], _SWEEP.value)
        print(f"wrote {_SWEEP.value}")
    return result


def analysis_suite() -> dict:
    result = analysis.run(log=lambda line: logging.info("%s", line))
    print(analysis.table(result))
    return result


def _text_suites(workdir: pathlib.Path) -> dict:
    """The suites that read the real corpora and a tokenizer trained on them, built lazily."""
    texts = _texts_by_language()
    tokenizer = train_bpe_tokenizer([t for lang_texts in texts.values() for t in lang_texts], BPE_VOCAB,
                                    workdir / "tokenizer")
    return {"padding": lambda: padding_suite(texts, tokenizer),
            "extraction": lambda: extraction_suite(texts, tokenizer, workdir)}


def main(argv: list[str]) -> None:
    del argv
    unknown = sorted(set(_SUITE.value) - set(SUITES))
    if unknown:
        raise AlignscopeError(f"unknown suite(s) {unknown}; available: {', '.join(SUITES)}")
    if _OUTPUT.value and len(_SUITE.value) != 1:
        raise AlignscopeError(f"--output names one file but {len(_SUITE.value)} suites were asked for; run one suite")
    if "kernels" in _SUITE.value:
        _kernels_shape()  # a bad shape is reported before any other suite runs
    output = shared.writable_directory(pathlib.Path(_OUTPUT.value).parent if _OUTPUT.value
                                       else pathlib.Path(shared.OUTPUT_DIR.value) / "benchmark")
    with tempfile.TemporaryDirectory() as temporary:
        workdir = pathlib.Path(temporary)
        suites = {"kernels": kernels_suite, "analysis": analysis_suite}
        if set(_SUITE.value) - set(SYNTHETIC):
            suites.update(_text_suites(workdir))
        for suite in _SUITE.value:
            logging.info("running %s", suite)
            result = {"suite": suite, "versions": library_versions(), "flags": {
                "batch_size": _BATCH_SIZE.value, "max_length": _MAX_LENGTH.value,
                "texts_per_lang": _TEXTS_PER_LANG.value, "langs": _LANGS.value, "quick": _QUICK.value,
                "kernels_shape": _KERNELS_SHAPE.value}, "results": suites[suite]()}
            if suite in SYNTHETIC:
                result["versions"].update(kernels.peer_versions())
            path = pathlib.Path(_OUTPUT.value) if _OUTPUT.value else output / f"{suite}.json"
            path.write_text(json.dumps(result, indent=1))
            if suite not in SYNTHETIC:
                print(json.dumps(result["results"], indent=1))
            print(f"wrote {path}")


if __name__ == "__main__":
    shared.run(main)
