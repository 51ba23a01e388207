"""`python -m experiments.refusal`: refusal across languages, measured beside separation.

Per language and model: the refusal direction (difference in means, selected by Arditi et al.'s
rule on a validation split held out of train), refusal score and rate on test prompts before and
after ablating it (harmful prompts) or adding it (harmless prompts), with bootstrap CIs; the
transfer matrix (language A's direction ablated on language B's prompts) beside the cosine
between the languages' directions; and the between-class ratio at the direction's layer against
the refusal rate. Writes `metrics.json`, `metrics.csv`, `run.json`, PNG and PDF figures,
`report.md` and `report.html` into the output directory (default `results/refusal/`), as the other
experiments write them (`experiments.outputs`, `experiments.report`).

    python -m experiments.refusal --lang=en,zh --max_new_tokens=24

Flags (`RefusalConfig`): those of `harness.RunConfig` (--base, --aligned, --dataset: its train split
gives the directions, test the measurements; --per_class: test prompts per class; --chat_template,
on here: the candidates sit at the template's post-instruction positions, off at each prompt's
last token; --cache_dir: the candidates' pooled states of a rerun are read from it; --dry_run, ...),
--bootstrap, --direction_layer, --max_new_tokens and --val_per_class. One progress line per stage
goes to stderr.
`run(models, tokenizer, dataset, ...)` is the same experiment as a Python function.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Sequence

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.interp import refusal_direction as rd
from alignscope.runtime.encoding import encode_texts
from alignscope.experiments import flags, harness, inputs, outputs
from alignscope.experiments.flags import flag
from alignscope.experiments.progress import Stages
from alignscope.experiments.refusal import core, report

EXPERIMENT = "refusal"
VAL_FRACTION = 0.25
# Datasets without train/test splits: this share of groups is the test set, seeded.
TEST_FRACTION = 0.3


def load_splits(dataset: str, langs: Sequence[str] | None, per_class: int | None, val_per_class: int,
                seed: int) -> tuple[dict[str, core.Split], dict]:
    """Returns (per language its prompts, a record of how they were split, for run.json).

    A dataset with `train` and `test` splits keeps them; otherwise a seeded share of groups
    (parallel ids, else pair ids, else rows) is the test set. Validation is a seeded share of
    train's groups, so a prompt and its translations are always on one side.
    """
    try:
        train = engine.load_corpus(dataset, langs, split="train")
        test = engine.load_corpus(dataset, langs, split="test", per_class=per_class, seed=seed)
        record = {"test": "the dataset's test split", "train": "the dataset's train split"}
    except AlignscopeError as error:
        if "split" not in str(error):
            raise
        corpus = engine.load_corpus(dataset, langs)
        held = core.validation_groups(corpus, TEST_FRACTION, seed)
        train, test = _by_groups(corpus, held, False), _by_groups(corpus, held, True)
        record = {"test": f"a seeded {TEST_FRACTION:.0%} of groups (seed {seed})", "train": "the other groups",
                  "test_groups": sorted(held)}
    val_groups = core.validation_groups(train, VAL_FRACTION, seed)
    record.update(validation=f"a seeded {VAL_FRACTION:.0%} of train's groups (seed {seed}), at most "
                             f"{val_per_class} prompts per class and language", validation_groups=sorted(val_groups))
    return core.make_splits(train, test, test.languages, val_groups, val_per_class), record


def _by_groups(corpus, groups: set[str], inside: bool):
    """The rows of `corpus` whose group (`inputs.group_ids`) is in `groups` (`inside`) or not."""
    keep = [i for i, group in enumerate(inputs.group_ids(corpus)) if (group in groups) == inside]
    pick = lambda values: None if values is None else [values[i] for i in keep]
    return dataclasses.replace(corpus, texts=pick(corpus.texts), labels=corpus.labels[keep], langs=pick(corpus.langs),
                               pair_ids=pick(corpus.pair_ids), parallel_ids=pick(corpus.parallel_ids),
                               harm_categories=pick(corpus.harm_categories),
                               global_or_local=pick(corpus.global_or_local))


def run(models: dict[str, engine.Model], tokenizer, dataset: str = "demo", langs: Sequence[str] | None = None, *,
        output_dir: str | pathlib.Path = "results/refusal", per_class: int | None = None,
        options: core.Options = core.Options(), store: str | pathlib.Path | None = None, mesh=None,
        stages: Stages | None = None, settings: dict | None = None) -> pathlib.Path:
    """Runs the experiment on models in memory or loaded; returns the directory it wrote.

    Args:
      models: name -> model, the reference (base) first; all of one depth and width.
      tokenizer: their tokenizer (with a chat template when `options.chat_template`).
      dataset: a corpus `engine.load_corpus` reads (harmful and harmless prompts per language).
      langs: languages; None: all of the dataset's.
      output_dir: where the results are written (created if needed).
      per_class: test prompts per class and language; None: all.
      options: the experiment's settings.
      store: activation store directory for the candidates' pooled states (None: in memory only);
        a rerun with the same models, prompts and options reads them instead of extracting them
        again (selection, scores and generation always run the models).
      mesh: a device mesh for the extractions.
      stages: progress lines and timings (default: a new `Stages("refusal")`).
      settings: what produced this run, for run.json and the report (default: the arguments).
    """
    if not models:
        raise AlignscopeError("the refusal experiment needs at least one model")
    inputs.check_same_shape(models)
    stages = stages or Stages(EXPERIMENT)
    with stages.stage("prompts"):
        splits, split_record = load_splits(dataset, langs, per_class, options.val_per_class, options.seed)
    results = core.run(models, tokenizer, splits, options, store=store, mesh=mesh, stages=stages)
    names, languages = list(models), list(splits)
    settings = settings or {"models": {name: model.identity for name, model in models.items()}, "dataset": dataset,
                            "langs": languages, "per_class": per_class, **dataclasses.asdict(options)}
    final = pathlib.Path(output_dir).expanduser()
    with outputs.staged(final) as directory:  # the previous results stay whole until every file is written
        with stages.stage("figures"):
            pngs = [paths[0] for paths in (
                report.transfer_figure(results["transfer"], directory / "figures"),
                report.separation_behaviour_figure(results["rows"], names, languages, directory / "figures"),
                report.effects_figure(results["rows"], names, languages, directory / "figures"))]
        with stages.stage("tables and report"):
            notes = _notes(split_record, options, tokenizer)
            outputs.write_tables(directory, EXPERIMENT, results["rows"], notes,
                                 {"models": names, "langs": languages, "bootstrap": options.bootstrap})
            report.build_report(results, names, languages, pngs, settings, notes).write(directory)
        outputs.write_run_info(directory, EXPERIMENT, settings, dict(stages.seconds), {
            "models": {name: {"identity": model.identity, "source": str(model.source) if model.source else "in memory"}
                       for name, model in models.items()},
            "splits": split_record, "selections": results["selections"], "transfer": results["transfer"],
            "samples": results["samples"], "extraction": results["extraction"], "store": str(store) if store else None})
    stages.note(f"results in {final}/ (report.html, metrics.csv, figures/)")
    return final


def _notes(split_record: dict, options: core.Options, tokenizer) -> list[str]:
    """The report's and metrics.json's notes: how prompts were split and where the candidates sit."""
    if options.chat_template:
        count = rd.post_instruction_count(tokenizer)
        where = (f"Prompts are user turns of the chat template; the candidates sit at its {count} post-instruction "
                 f"position(s).")
    else:
        where = ("Prompts are given without the chat template (--chat_template=false); the candidates sit at each "
                 "prompt's last token, and scores read the token after it.")
    if options.shortlist:
        selection = (f"Selection cost: with more than {options.shortlist} candidates, a first score on the "
                     f"{options.screen_prompts} shortest validation prompts of each class kept the {options.shortlist} "
                     f"blocks whose candidates, ablated together, lowered the harmful prompts' refusal score most, "
                     f"then the {options.shortlist} candidates of those blocks that, ablated alone, lowered it most "
                     f"while keeping the harmless prompts' KL < 0.1 (then those of least KL); these were "
                     f"scored in full (ablation and KL on all validation prompts, then additions in ascending order "
                     f"of the ablation score until one was eligible: the choice scoring every addition would make); "
                     f"--shortlist=0 scores every candidate in full.")
    else:
        selection = "Every candidate was scored in full on the validation prompts (--shortlist=0)."
    return [where, selection, f"Test prompts: {split_record['test']}; train: {split_record['train']}; validation: "
                              f"{split_record['validation']}.",
            f"{options.bootstrap} bootstrap replicas (prompts resampled; before and after an intervention share "
            f"draws)."]


@dataclasses.dataclass(frozen=True)
class RefusalConfig:
    """`python -m experiments.refusal`: its flags.

    Attributes:
      run: the models, prompts, store and results (`harness.RunConfig`; the chat template on).
      bootstrap: Bootstrap replicas for the 95% intervals (prompts resampled; before and after an intervention
        share draws).
      direction_layer: Block of the refusal direction: an index 0..L-1, or 'selected' (Arditi et al.'s rule over
        blocks 1 <= l < 0.8 L and the post-instruction positions).
      max_new_tokens: Tokens generated per answer (refusal rate, samples).
      val_per_class: Validation prompts per class and language that select the direction (held out of train).
      shortlist: Blocks, then candidates, kept by the first, cheap score (ablations on the --screen_prompts
        shortest validation prompts of each class: each block's candidates together, then the kept blocks'
        candidates one by one, by refusal score among those with KL < 0.1); the kept candidates are scored in
        full (ablation, KL, addition). 0 scores every candidate in full: Arditi et al.'s rule unchanged, a
        forward pass over the validation prompts per candidate.
      screen_prompts: Validation prompts per class of the first, cheap score.
    """

    run: harness.RunConfig = harness.RunConfig(chat_template=True, output_dir=f"results/{EXPERIMENT}")
    bootstrap: int = flag(50, lower_bound=2)
    direction_layer: str = "selected"
    max_new_tokens: int = flag(24, lower_bound=1)
    val_per_class: int = flag(32, lower_bound=1)
    shortlist: int = flag(rd.SHORTLIST, lower_bound=0)
    screen_prompts: int = flag(rd.SCREEN_PROMPTS, lower_bound=1)

    def options(self) -> core.Options:
        """The experiment's settings.

        Raises:
          AlignscopeError: `direction_layer` is neither a block index nor 'selected'.
        """
        return core.Options(direction_layer=self.block(), max_new_tokens=self.max_new_tokens,
                            val_per_class=self.val_per_class, shortlist=self.shortlist,
                            screen_prompts=self.screen_prompts, bootstrap=self.bootstrap, seed=self.run.seed,
                            batch_size=self.run.batch_size, max_length=self.run.max_length,
                            chat_template=self.run.chat_template)

    def block(self) -> int | None:
        """`direction_layer` as a block index, or None for 'selected'."""
        value = self.direction_layer.strip()
        if value == "selected":
            return None
        try:
            return int(value)
        except ValueError:
            raise AlignscopeError(f"--direction_layer={value!r} is not accepted; give a block index or "
                                  "'selected'") from None


def dry_run_lines(lineage: harness.Lineage, splits: dict[str, core.Split], options: core.Options, store) -> list[str]:
    """What a run would do, with rough store and time estimates (no model runs, nothing is written)."""
    models, tokenizer = lineage.models, lineage.tokenizer
    config = next(iter(models.values())).config
    params = harness.parameter_count(config)
    layers = core.direction_layers(config.num_layers, options)
    positions = rd.post_instruction_count(tokenizer, options.chat_template)
    candidates = len(layers) * positions
    tokens = lambda texts: sum(len(item.ids) for item in encode_texts(tokenizer, texts, options.max_length,
                                                                         options.chat_template))
    texts, _ = core.extraction_rows(splits)
    # The candidates' pass over train prompts, and the test prompts' pass to the selected block (at most).
    work = {"extraction": tokens(texts) + sum(tokens(split.test_harmful + split.test_harmless)
                                              for split in splits.values()),
            "selection": 0, "scores and generation": 0, "transfer": 0}
    lines = harness.model_lines(lineage)
    lines.append("languages (prompts harmful/harmless: train, validation, test):")
    for lang, split in splits.items():
        lines.append(f"  {lang}: train {len(split.train_harmful)}/{len(split.train_harmless)}, validation "
                     f"{len(split.val_harmful)}/{len(split.val_harmless)}, test {len(split.test_harmful)}/"
                     f"{len(split.test_harmless)}")
        screening = 0 < options.shortlist < candidates
        scored = options.shortlist if screening else candidates
        shortest = lambda texts: sorted(texts, key=lambda text: tokens([text]))[:options.screen_prompts]
        # The first score: one pass per block (harmful prompts), one per candidate of the kept blocks;
        # then the baseline and each shortlisted ablation run both classes; additions run harmless
        # prompts, at least once (until one is eligible, at most once per shortlisted candidate).
        if screening:
            work["selection"] += len(layers) * tokens(shortest(split.val_harmful)) + min(
                options.shortlist, len(layers)) * positions * tokens(shortest(split.val_harmful) + shortest(
                    split.val_harmless))
        work["selection"] += ((1 + scored) * tokens(split.val_harmful + split.val_harmless)
                              + tokens(split.val_harmless))
        test = tokens(split.test_harmful) + tokens(split.test_harmless)
        answers = len(split.test_harmful) + len(split.test_harmless)
        work["scores and generation"] += 2 * test + 2 * answers * options.max_new_tokens
        work["transfer"] += (len(splits) - 1) * tokens(split.test_harmful)
    flop = {stage: 2 * params * count * len(models) for stage, count in work.items()}
    stored = len(models) * positions * len(texts) * len(layers) * config.hidden_size * 4
    template = f"on, {positions} post-instruction position(s)" if options.chat_template else "off, the last token"
    lines += [f"chat template: {template}",
              f"candidates: blocks {list(layers)} x {positions} position(s) = {candidates} per model and language, "
              f"selected on validation prompts: "
              + (f"a first score on the {options.screen_prompts} shortest of each class keeps {options.shortlist} "
                 f"blocks, then {options.shortlist} candidates, scored in full" if 0 < options.shortlist < candidates
                 else "every candidate scored in full"),
              f"store: {store or 'none (in memory)'}; one extraction per model of {len(texts)} prompts x "
              f"{len(layers)} layers x {positions} position(s), up to {stored / 2**20:,.1f} MiB, and of the test "
              f"prompts at the selected block; none for models already in the store",
              f"forward passes: ~{sum(flop.values()) / 1e12:,.3f} TFLOP (~{sum(flop.values()) / 2e10:,.0f} s on a "
              f"2-core CPU at ~20 GFLOP/s): "
              + ", ".join(f"{stage} {value / 1e12:,.3f}" for stage, value in flop.items()),
              f"generation: {options.max_new_tokens} new tokens per answer, 4 cases per model and language; "
              f"{options.bootstrap} bootstrap replicas"]
    return lines


@flags.command(RefusalConfig)
def main(config: RefusalConfig) -> None:
    """`run` on the models and prompts of the flags; with --dry_run, what it would do."""
    stages = harness.start(EXPERIMENT)
    with stages.stage("load"):
        options = config.options()
        lineage = harness.load_lineage(config.run)
        dataset = config.run.corpus_source()
    if config.run.dry_run:
        splits, _ = load_splits(dataset, config.run.languages(), config.run.per_class, options.val_per_class,
                                options.seed)
        print("\n".join(dry_run_lines(lineage, splits, options, config.run.store())))
        return
    output_dir = outputs.writable_directory(config.run.results())
    run(lineage.models, lineage.tokenizer, dataset, config.run.languages(), output_dir=output_dir,
        per_class=config.run.per_class, options=options, store=config.run.store(), mesh=lineage.mesh, stages=stages,
        settings=harness.settings(config, lineage.sources))


if __name__ == "__main__":
    flags.run(main)
