"""`python -m experiments.measure_demo`: what the demo lineage shows, on the demo corpus's test split.

Per language:
  - each model's preference rate: how often the summed log-probability of the chosen answer
    exceeds the rejected one's (`engine.response_logprobs`, chat format with EOS, as DPO saw
    them), over the test pairs, with a 95% bootstrap interval over pairs;
  - per layer, the between-class variance ratio on the top 2 principal components and the
    Fisher ratio (Ledoit-Wolf shrinkage) of harmful vs harmless test prompts (mean-pooled hidden
    states of each prompt's own tokens, in the chat template), for `base`, and their change from
    `base` to `aligned-en` and to `aligned-multi`, with 95% paired bootstrap intervals: one set
    of class-stratified draws per language serves every model, so a change's interval is that
    of its replicas' differences.

Writes `<output_dir>/measure_demo/measurements.json` and `table.md`.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import numpy as np
from absl import flags

import engine
from engine.data.demo import DEMO_LANGS, DEMO_MODELS, demo_table, load_preferences
from experiments import flags as shared_flags
from kernels import resample, separation

BOOTSTRAP = flags.DEFINE_integer("bootstrap", 1000, "Bootstrap replicas for every interval.")
BOOTSTRAP_SEED = flags.DEFINE_integer("bootstrap_seed", 0, "Seed of the bootstrap draws.")

LEVEL = 0.95
METRICS = {
    "between2": lambda X, y: separation.between_class_variance_ratio(X, y, n_components=2),
    "fisher": lambda X, y: separation.fisher_ratio(X, y, shrinkage="auto"),
}


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


def separation_changes(models: dict[str, Any], tokenizer, num_replicas: int, seed: int) -> list[dict[str, Any]]:
    """Rows (lang, layer, metric, base [low, high], change to each aligned model [low, high])."""
    rows = []
    table = demo_table(split="test")
    for lang in DEMO_LANGS:
        texts = table[table["lang"] == lang]
        y = np.asarray(texts["label"], dtype=np.int32)
        # [models, layers, n, d]
        X = np.stack([np.moveaxis(engine.extract(model, tokenizer, list(texts["text"]), pooling="mean",
                                                 chat_template=True, max_length=256), 0, 1)
                      for model in models.values()])
        draws = resample.bootstrap_indices(len(y), num_replicas, labels=y, seed=seed)
        for metric, function in METRICS.items():
            result = resample.bootstrap(function, X, labels=y, indices=draws, level=LEVEL)
            estimate, replicas = np.asarray(result.estimate), np.asarray(result.replicas)  # [M, L], [R, M, L]
            base_low, base_high = interval(replicas[:, 0])
            for layer in range(X.shape[1]):
                row = {"lang": lang, "layer": layer, "metric": metric, "base": float(estimate[0, layer]),
                       "base_low": float(base_low[layer]), "base_high": float(base_high[layer])}
                for m, name in enumerate(models):
                    if m == 0:
                        continue
                    low, high = interval(replicas[:, m, layer] - replicas[:, 0, layer])
                    row.update({f"{name}": float(estimate[m, layer]),
                                f"change_{name}": float(estimate[m, layer] - estimate[0, layer]),
                                f"change_{name}_low": float(low), f"change_{name}_high": float(high)})
                rows.append(row)
    return rows


def markdown(rates: list[dict[str, Any]], changes: list[dict[str, Any]]) -> str:
    """The two tables as Markdown."""
    names = list(dict.fromkeys(row["model"] for row in rates))
    lines = ["Preference rate on test pairs (chosen log-prob > rejected), 95% bootstrap interval:", "",
             "| lang | prompts | pairs | " + " | ".join(names) + " |", "|---|---|---|" + "---|" * len(names)]
    for lang in DEMO_LANGS:
        for subset in ("all", "harmful", "harmless"):
            cells = {r["model"]: r for r in rates if r["lang"] == lang and r["prompts"] == subset}
            pairs = cells[names[0]]["pairs"]
            lines.append(f"| {lang} | {subset} | {pairs} | " + " | ".join(
                f"{c['rate']:.2f} [{c['low']:.2f}, {c['high']:.2f}]" for c in (cells[n] for n in names)) + " |")
    for metric, title in (("between2", "Between-class variance ratio on the top 2 PCs"),
                          ("fisher", "Fisher ratio (Ledoit-Wolf)")):
        lines += ["", f"{title} of harmful vs harmless test prompts: base, and the change to each aligned "
                      f"model, 95% paired bootstrap interval:", "",
                  "| lang | layer | base | " + " | ".join(f"Δ {n}" for n in names[1:]) + " |",
                  "|---|---|---|" + "---|" * (len(names) - 1)]
        for row in (r for r in changes if r["metric"] == metric):
            cells = [f"{row[f'change_{n}']:+.3f} [{row[f'change_{n}_low']:+.3f}, {row[f'change_{n}_high']:+.3f}]"
                     for n in names[1:]]
            lines.append(f"| {row['lang']} | {row['layer']} | {row['base']:.3f} [{row['base_low']:.3f}, "
                         f"{row['base_high']:.3f}] | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    del argv
    directory = pathlib.Path(shared_flags.DEMO_MODELS_DIR.value).expanduser()
    models = {name: engine.load_model(directory / name) for name in DEMO_MODELS}
    tokenizer = engine.load_tokenizer(directory / DEMO_MODELS[0])
    rates = preference_rates(models, tokenizer, BOOTSTRAP.value, BOOTSTRAP_SEED.value)
    changes = separation_changes(models, tokenizer, BOOTSTRAP.value, BOOTSTRAP_SEED.value)
    out = pathlib.Path(shared_flags.OUTPUT_DIR.value).expanduser() / "measure_demo"
    out.mkdir(parents=True, exist_ok=True)
    identities = {name: model.identity for name, model in models.items()}
    (out / "measurements.json").write_text(json.dumps(
        {"models": identities, "bootstrap": BOOTSTRAP.value, "bootstrap_seed": BOOTSTRAP_SEED.value, "level": LEVEL,
         "preference_rates": rates, "separation": changes}, indent=1) + "\n")
    text = markdown(rates, changes)
    (out / "table.md").write_text(text)
    print(text)


if __name__ == "__main__":
    shared_flags.run(main)
