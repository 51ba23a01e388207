"""`python -m experiments.measure_demo`: what the demo lineage shows, on the demo corpus's test split.

Per language:
  - each model's behaviour on the harmful and on the harmless test prompts: the refusal rate of
    its greedy chat answers (`interp.refusal.is_refusal`: a refusal phrase of the language or of
    English) and the mean refusal score (Arditi et al.'s next-token log-odds of a refusal token),
    with 95% bootstrap intervals over prompts, and its first answers quoted as generated;
  - each model's preference rate: how often the summed log-probability of the chosen answer
    exceeds the rejected one's (`engine.response_logprobs`, chat format with EOS, as DPO saw
    them), over the test pairs, with a 95% bootstrap interval over pairs;
  - per layer, the between-class variance ratio on the top 2 principal components and the
    Fisher ratio (Ledoit-Wolf shrinkage) of harmful vs harmless test prompts (mean-pooled hidden
    states of each prompt's own tokens, in the chat template), for `base`, their change from
    `base` to `aligned-en` and to `aligned-multi`, and that change minus English's (the gap), with
    95% bootstrap intervals from `kernels.analysis.analyze`: one set of draws of parallel ids,
    stratified by class, serves every model and language, so changes and gaps are paired.

Writes `<output_dir>/measure_demo/measurements.json` and `table.md`.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

import numpy as np

from alignscope import engine
from alignscope.data.demo import DEMO_LANGS, DEMO_MODELS, demo_table, load_preferences
from alignscope.data.demo.shipped import MODELS_DIR
from alignscope.experiments import flags
from alignscope.interp import refusal
from alignscope.kernels import analysis


@dataclasses.dataclass(frozen=True)
class MeasureDemoConfig:
    """`python -m experiments.measure_demo`: its flags.

    Attributes:
      bootstrap: Bootstrap replicas for every interval.
      bootstrap_seed: Seed of the bootstrap draws.
      max_new_tokens: Tokens of each greedy answer.
      samples: Answers quoted per model, language and class.
      demo_models_dir: Directory of the demo models, <demo_models_dir>/{base,aligned-en,aligned-multi}/ (make_demo
        writes them).
      output_dir: Directory of the results, <output_dir>/measure_demo/{measurements.json,table.md}.
    """

    bootstrap: int = 1000
    bootstrap_seed: int = 0
    max_new_tokens: int = 32
    samples: int = 3
    demo_models_dir: str = str(MODELS_DIR)
    output_dir: str = "results"

LEVEL = 0.95
METRICS = {"between2": "Between-class variance ratio on the top 2 PCs", "fisher": "Fisher ratio (Ledoit-Wolf)"}


def interval(replicas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bounds at `LEVEL` over axis 0."""
    tail = (1 - LEVEL) / 2
    return np.quantile(replicas, tail, axis=0), np.quantile(replicas, 1 - tail, axis=0)


def preference_rates(models: dict[str, Any], tokenizer, num_replicas: int, seed: int) -> list[dict[str, Any]]:
    """Rows (model, lang, prompts: all / harmful / harmless, pairs, rate, low, high)."""
    rows = []
    for lang in DEMO_LANGS:
        pairs = load_preferences("demo", split="test", langs=lang)
        harmful = np.asarray(pairs.label) == 1
        draws = np.random.default_rng([seed, DEMO_LANGS.index(lang)]).integers(0, len(pairs), (num_replicas, len(pairs)))
        for name, model in models.items():
            score = lambda answers: engine.response_logprobs(model, tokenizer, pairs.prompt, answers,
                                                             chat_template=True, append_eos=True)
            prefers = score(pairs.chosen) > score(pairs.rejected)
            for subset, keep in (("all", np.ones_like(harmful)), ("harmful", harmful), ("harmless", ~harmful)):
                # The same pair draws for every subset and model; a subset's rate is over its own pairs.
                hits = (prefers & keep)[draws].sum(1) / np.maximum(keep[draws].sum(1), 1)
                low, high = interval(hits)
                rows.append({"model": name, "lang": lang, "prompts": subset, "pairs": int(keep.sum()),
                             "rate": float(prefers[keep].mean()), "low": float(low), "high": float(high)})
    return rows


def refusal_behaviour(models: dict[str, Any], tokenizer, num_replicas: int, seed: int, max_new_tokens: int,
                      samples: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Returns (rows (model, lang, prompts: harmful / harmless, n, refusal_rate, refusal_score, each
    with low and high), the first `samples` answers per model, language and class (model, lang,
    prompts, prompt, answer)). One pass per case gives both: the score reads the logits the first
    answer token comes from (`interp.refusal.score_and_generate`)."""
    rows, quoted = [], []
    for lang in DEMO_LANGS:
        pairs = load_preferences("demo", split="test", langs=lang)
        for label, kind in ((1, "harmful"), (0, "harmless")):
            prompts = [prompt for prompt, y in zip(pairs.prompt, pairs.label) if y == label]
            draws = np.random.default_rng([seed, DEMO_LANGS.index(lang), label]).integers(
                0, len(prompts), (num_replicas, len(prompts)))
            for name, model in models.items():
                scores, answers = refusal.score_and_generate(model, tokenizer, prompts, [lang] * len(prompts),
                                                             max_new_tokens, chat_template=True, max_length=256)
                refused = refusal.refusals(answers, [lang] * len(prompts)).astype(np.float64)
                row = {"model": name, "lang": lang, "prompts": kind, "n": len(prompts)}
                for metric, values in (("refusal_rate", refused), ("refusal_score", scores)):
                    low, high = interval(values[draws].mean(1))  # the same prompt draws for every model
                    row.update({metric: float(values.mean()), f"{metric}_low": float(low),
                                f"{metric}_high": float(high)})
                rows.append(row)
                quoted += [{"model": name, "lang": lang, "prompts": kind, "prompt": prompt, "answer": answer}
                           for prompt, answer in list(zip(prompts, answers))[:samples]]
    return rows, quoted


def separation_changes(models: dict[str, Any], tokenizer, num_replicas: int, seed: int) -> list[dict[str, Any]]:
    """Rows (lang, layer, metric, base [low, high], change to each aligned model [low, high] and
    its gap to the English change [low, high]), from `kernels.analysis.analyze`."""
    table = demo_table(split="test")
    texts = list(table["text"])
    # [models, layers, n, d]
    X = np.stack([np.moveaxis(engine.extract(model, tokenizer, texts, pooling="mean", chat_template=True,
                                             max_length=256), 0, 1) for model in models.values()])
    options = analysis.AnalysisOptions(metrics=tuple(METRICS), bootstrap=num_replicas, permutations=0, level=LEVEL,
                                       seed=seed, reference_lang="en")
    result = analysis.analyze(X, table["label"].to_numpy(), list(table["lang"]),
                              groups=table["parallel_id"].to_numpy(), options=options)
    names = list(models)
    rows = []
    for g, lang in enumerate(result.langs):
        for layer in range(result.layers):
            for k, metric in enumerate(result.metrics):
                row = {"lang": lang, "layer": layer, "metric": metric, "base": result.estimate[0, g, layer, k],
                       "base_low": result.low[0, g, layer, k], "base_high": result.high[0, g, layer, k]}
                for m, name in enumerate(names[1:], start=1):
                    row.update({name: result.estimate[m, g, layer, k],
                                **{f"{field}_{name}{end}": getattr(result, field + end)[m, g, layer, k]
                                   for field in ("change", "gap") for end in ("", "_low", "_high")}})
                rows.append({key: value if isinstance(value, (str, int)) else _number(value)
                             for key, value in row.items()})
    return rows


def _number(value: float) -> float | None:
    """JSON-ready: None where NaN (the gap of English to itself)."""
    return None if np.isnan(value) else float(value)


def markdown(behaviour: list[dict[str, Any]], quoted: list[dict[str, Any]], rates: list[dict[str, Any]],
             changes: list[dict[str, Any]]) -> str:
    """The tables, and the quoted answers, as Markdown."""
    names = list(dict.fromkeys(row["model"] for row in rates))
    lines = ["Refusal on test prompts: rate of greedy answers with a refusal phrase, and mean refusal score "
             "(log-odds of a refusal token first), 95% bootstrap intervals over prompts:", "",
             "| lang | prompts | n | " + " | ".join(f"{n} rate | {n} score" for n in names) + " |",
             "|---|---|---|" + "---|---|" * len(names)]
    for lang in DEMO_LANGS:
        for kind in ("harmful", "harmless"):
            cells = {r["model"]: r for r in behaviour if r["lang"] == lang and r["prompts"] == kind}
            lines.append(f"| {lang} | {kind} | {cells[names[0]]['n']} | " + " | ".join(
                f"{c['refusal_rate']:.2f} [{c['refusal_rate_low']:.2f}, {c['refusal_rate_high']:.2f}] | "
                f"{c['refusal_score']:+.1f} [{c['refusal_score_low']:+.1f}, {c['refusal_score_high']:+.1f}]"
                for c in (cells[n] for n in names)) + " |")
    lines += ["", "Greedy answers, as generated (the first test prompts of each class):", "",
              "| model | lang | prompts | prompt | answer |", "|---|---|---|---|---|"]
    cell = lambda text: text.replace("|", "\\|").replace("\n", " ")
    lines += [f"| {q['model']} | {q['lang']} | {q['prompts']} | {cell(q['prompt'])} | {cell(q['answer'])} |"
              for q in quoted]
    lines += ["", "Preference rate on test pairs (chosen log-prob > rejected), 95% bootstrap interval:", "",
             "| lang | prompts | pairs | " + " | ".join(names) + " |", "|---|---|---|" + "---|" * len(names)]
    for lang in DEMO_LANGS:
        for subset in ("all", "harmful", "harmless"):
            cells = {r["model"]: r for r in rates if r["lang"] == lang and r["prompts"] == subset}
            pairs = cells[names[0]]["pairs"]
            lines.append(f"| {lang} | {subset} | {pairs} | " + " | ".join(
                f"{c['rate']:.2f} [{c['low']:.2f}, {c['high']:.2f}]" for c in (cells[n] for n in names)) + " |")
    fmt = lambda row, key: "—" if row[key] is None else (
        f"{row[key]:+.3f} [{row[key + '_low']:+.3f}, {row[key + '_high']:+.3f}]")
    for metric, title in METRICS.items():
        lines += ["", f"{title} of harmful vs harmless test prompts (mean-pooled, chat format): base, the change "
                      f"to each aligned model, and that change minus English's (gap), 95% paired bootstrap intervals:",
                  "", "| lang | layer | base | " + " | ".join(f"Δ {n} | gap {n}" for n in names[1:]) + " |",
                  "|---|---|---|" + "---|---|" * (len(names) - 1)]
        for row in (r for r in changes if r["metric"] == metric):
            cells = [fmt(row, f"{field}_{n}") for n in names[1:] for field in ("change", "gap")]
            lines.append(f"| {row['lang']} | {row['layer']} | {row['base']:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@flags.command(MeasureDemoConfig)
def main(config: MeasureDemoConfig) -> None:
    """Measures the demo models of `config.demo_models_dir`; writes and prints the tables."""
    directory = pathlib.Path(config.demo_models_dir).expanduser()
    models = {name: engine.load_model(directory / name) for name in DEMO_MODELS}
    tokenizer = engine.load_tokenizer(directory / DEMO_MODELS[0])
    behaviour, quoted = refusal_behaviour(models, tokenizer, config.bootstrap, config.bootstrap_seed,
                                          config.max_new_tokens, config.samples)
    rates = preference_rates(models, tokenizer, config.bootstrap, config.bootstrap_seed)
    changes = separation_changes(models, tokenizer, config.bootstrap, config.bootstrap_seed)
    out = pathlib.Path(config.output_dir).expanduser() / "measure_demo"
    out.mkdir(parents=True, exist_ok=True)
    identities = {name: model.identity for name, model in models.items()}
    (out / "measurements.json").write_text(json.dumps(
        {"models": identities, "bootstrap": config.bootstrap, "bootstrap_seed": config.bootstrap_seed,
         "level": LEVEL, "max_new_tokens": config.max_new_tokens, "refusal": behaviour, "answers": quoted,
         "preference_rates": rates, "separation": changes}, indent=1, ensure_ascii=False) + "\n")
    text = markdown(behaviour, quoted, rates, changes)
    (out / "table.md").write_text(text)
    print(text)


if __name__ == "__main__":
    flags.run(main)
