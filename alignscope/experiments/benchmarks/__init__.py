"""Benchmarks, each side by side with its peer implementation on the same inputs, as ratios.

    python -m experiments.benchmark --suite=extraction --texts_per_lang=256
    python -m experiments.benchmark --suite=extraction --model=gemma-3-270m-q4_k_m.gguf
    python -m experiments.benchmark --suite=kernels --quick --output=kernels.json

Suites:
- `padding`: per language of the real TextDetox copies, padding efficiency and compile count
  of alignscope's packed schedule (several texts per row) and of its plain bucketed one,
  against batches of 32 in input order padded to their longest text. Lengths come from a 32k byte-level BPE tokenizer trained on those texts (no
  hub access here for a real model's tokenizer).
- `extraction`: tokens/s of mean-pooled all-layer extraction for a real checkpoint (`--model`: a
  directory, hub id or .gguf file, with its own tokenizer) or a random Llama (`--llama`: ~50M or
  ~1B parameters), in `--dtype`: alignscope (jitted Flax) against transformers'
  `AutoModel` (PyTorch on `--torch_device`), same weights, same texts, same thread count;
  alignscope packs texts into rows, transformers gets its best plain batching (sorted by
  length, each batch padded to its longest text); the pooled outputs are compared too.
- `analysis`: the experiments' one kernels entry point on the default run's shape (3 models x 7
  layers x 2 languages x 179 rows x d=128, 50 bootstrap / 20 permutations), whole, against
  scikit-learn and numpy on the same draws (see benchmarks/analysis.py).
- `coverage`: how often the analysis' 95% intervals hold the population value, by simulation of
  two Gaussian classes with known truth, at the default run's shape, at n/d = 0.25 and across
  n/d; also the permutation p-values under the null and the gap test's type-I error (see
  benchmarks/coverage.py). Writes a figure of coverage against n/d beside the result.
- `kernels`: the Gram-first analysis kernels against scikit-learn and numpy on one analysis'
  shape (2 models x 33 layers x n=2000 x d=4096; `--quick` 4 layers x n=500 x d=1024), per metric
  and for the whole workload, against the machine's GEMM floor (see benchmarks/kernels.py).

Results go to `<output_dir>/benchmark/<suite>.json` with library versions, the device and the
machine's load average before and after (a loaded machine slows a multi-threaded peer more). The
recorded results of the repository's benchmarks are in its top-level `benchmarks/` folder.

Modules: `extraction` (the padding and extraction suites), `kernels`, `analysis`, `coverage`,
`ablate_kernels` (one layer of the kernels suite, each optimisation against what it replaced)
and `profile_analysis` (the analysis at the papers' shape, split into its parts).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import tempfile

from absl import logging

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.experiments import flags, outputs
from alignscope.experiments.benchmarks import analysis, coverage, extraction, kernels
from alignscope.versions import library_versions

SUITES = ("padding", "extraction", "kernels", "analysis", "coverage")
SYNTHETIC = ("kernels", "analysis", "coverage")  # suites that need neither the corpora nor a tokenizer
# The 1-minute load average up to which the machine counts as idle. A busy machine slows a
# multi-threaded BLAS peer more than alignscope, so ratios taken on one flatter alignscope.
IDLE_LOAD = 0.5


@dataclasses.dataclass(frozen=True)
class BenchmarkConfig:
    """`python -m experiments.benchmark`: its flags.

    Attributes:
      suite: Benchmarks to run, from: padding, extraction, kernels, analysis, coverage.
      text_suites: the padding and extraction suites' settings (`extraction.TextSuitesConfig`).
      kernel_suite: the kernels suite's settings (`kernels.KernelsSuiteConfig`).
      shared_data: Directory holding real corpora in the hub layout
        (textdetox/multilingual_toxicity_dataset/<lang>.parquet, ...).
      output: JSON result file of a single suite (default <output_dir>/benchmark/<suite>.json).
      output_dir: Directory of the result files, <output_dir>/benchmark/<suite>.json.
    """

    suite: tuple[str, ...] = SUITES[:2]
    text_suites: extraction.TextSuitesConfig = extraction.TextSuitesConfig()
    kernel_suite: kernels.KernelsSuiteConfig = kernels.KernelsSuiteConfig()
    shared_data: str = "../shared/data"
    output: str | None = None
    output_dir: str = "results"


def kernels_suite(config: kernels.KernelsSuiteConfig) -> dict:
    """The kernels suite at `config`'s shape (and its sweep, where asked for); prints its table."""
    log = lambda line: logging.info("%s", line)
    result = kernels.run(config.shape(), log=log)
    print(kernels.table(result))
    if config.sweep:
        result["sweep"] = kernels.sweep(log=log)
        kernels.plot_sweep(result["sweep"], config.sweep)
        print(f"wrote {config.sweep}")
    return result


def analysis_suite() -> dict:
    """The analysis suite; prints its table."""
    result = analysis.run(log=lambda line: logging.info("%s", line))
    print(analysis.table(result))
    return result


def coverage_suite(output: pathlib.Path) -> dict:
    """The coverage suite; prints its tables and writes coverage.png into `output`."""
    result = coverage.suite(log=lambda line: logging.info("%s", line))
    for shape in result["shapes"]:
        print(coverage.table(shape), "\n")
    coverage.plot(result, output / "coverage.png")
    print(f"wrote {output / 'coverage.png'}")
    return result


def _text_suites(config: BenchmarkConfig, workdir: pathlib.Path) -> dict:
    """The suites that read the real corpora and a tokenizer trained on them, built lazily."""
    texts = extraction.texts_by_language(config.shared_data, config.text_suites.langs)
    model = config.text_suites.model
    tokenizer = engine.load_tokenizer(model) if model else extraction.tokenizer_for(texts, workdir / "tokenizer")
    return {"padding": lambda: extraction.padding_suite(texts, tokenizer, config.text_suites),
            "extraction": lambda: extraction.extraction_suite(texts, tokenizer, workdir, config.text_suites)}


@flags.command(BenchmarkConfig)
def main(config: BenchmarkConfig) -> None:
    """Runs each suite of `config.suite` and writes its result file."""
    unknown = sorted(set(config.suite) - set(SUITES))
    if unknown:
        raise AlignscopeError(f"unknown suite(s) {unknown}; available: {', '.join(SUITES)}")
    if config.output and len(config.suite) != 1:
        raise AlignscopeError(f"--output names one file but {len(config.suite)} suites were asked for; run one suite")
    if "kernels" in config.suite:
        config.kernel_suite.shape()  # a bad shape is reported before any other suite runs
    output = outputs.writable_directory(pathlib.Path(config.output).parent if config.output
                                        else pathlib.Path(config.output_dir) / "benchmark")
    with tempfile.TemporaryDirectory() as temporary:
        workdir = pathlib.Path(temporary)
        suites = {"kernels": lambda: kernels_suite(config.kernel_suite), "analysis": analysis_suite,
                  "coverage": lambda: coverage_suite(output)}
        if set(config.suite) - set(SYNTHETIC):
            suites.update(_text_suites(config, workdir))
        shape = config.kernel_suite.kernels_shape
        for suite in config.suite:
            logging.info("running %s", suite)
            load_before = os.getloadavg()
            if load_before[0] > IDLE_LOAD:
                logging.warning("the machine is not idle (1-minute load average %.2f > %.1f): other work slows the"
                                " multi-threaded peers more than alignscope, so ratios measured now flatter"
                                " alignscope; rerun on an idle machine", load_before[0], IDLE_LOAD)
            result = {"suite": suite, "versions": library_versions(), "flags": {
                "batch_size": config.text_suites.batch_size, "max_length": config.text_suites.max_length,
                "texts_per_lang": config.text_suites.texts_per_lang, "langs": list(config.text_suites.langs),
                "quick": config.kernel_suite.quick, "kernels_shape": None if shape is None else list(shape),
                "model": config.text_suites.model}, "results": suites[suite]()}
            result["load_average_1_5_15_min"] = {"before": list(load_before), "after": list(os.getloadavg()),
                                                 "idle_before": load_before[0] <= IDLE_LOAD}
            if suite in SYNTHETIC:
                result["versions"].update(kernels.peer_versions())
            path = pathlib.Path(config.output) if config.output else output / f"{suite}.json"
            path.write_text(json.dumps(result, indent=1))
            if suite not in SYNTHETIC:
                print(json.dumps(result["results"], indent=1))
            print(f"wrote {path}")


if __name__ == "__main__":
    flags.run(main)
