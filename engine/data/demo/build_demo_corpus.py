"""Build the frozen demo corpus: `python -m engine.data.demo.build_demo_corpus [--out PATH]`.

Fills the hand-translated templates of `_text_harmful` and `_text_harmless` with their slots,
frames some prompts with a context sentence or a closing request, writes a preference pair (chosen,
rejected) for every prompt, and assigns each parallel id to `train` or `test`. One seeded random
generator drives every choice, and every choice is made once per parallel id and applied to all four
languages, so the four translations of a row stay parallel. Rerunning it rewrites
`demo_corpus.jsonl` byte for byte.
"""

import argparse
import dataclasses
import json
import math
import pathlib
import random
from collections.abc import Sequence

from engine.data.demo import _text_harmful as harmful
from engine.data.demo import _text_harmless as harmless
from engine.data.demo._text_common import GENERIC_CONTEXTS, LANGS, ML, SENTENCE_JOIN, SUFFIXES

CORPUS_PATH = pathlib.Path(__file__).with_name("demo_corpus.jsonl")
SEED = 6
TEST_FRACTION = 0.25
PROMPTS_PER_HARM_CATEGORY = 34
PROMPTS_PER_TOPIC = {
    "science": 34,
    "history": 34,
    "finance": 34,
    "health": 34,
    "coding": 34,
    "home_and_garden": 34,
    "cooking": 34,
    "travel": 32,
    "writing": 32,
}
MATH_PROMPTS = 38
CONTEXT_RATE = 0.35
SUFFIX_RATE = 0.25
HELPFUL_CLOSER_RATE = 0.3
COMPLY_CLOSER_RATE = 0.5


@dataclasses.dataclass(frozen=True)
class Item:
    """One prompt with its preference pair, in the four languages (`ML` tuples)."""

    label: int
    harm_category: str
    topic: str
    template: str
    prompt: ML
    chosen: ML
    rejected: ML


def _fill(template: ML, slot: ML) -> ML:
    """`template` with its `{x}` replaced by `slot`, language by language."""
    return tuple(t.replace("{x}", s) for t, s in zip(template, slot))


def _format(template: ML, fields: dict[str, int]) -> ML:
    return tuple(t.format(**fields) for t in template)


def _join(*parts: ML, sep: ML = SENTENCE_JOIN) -> ML:
    """The non-empty parts joined language by language with that language's separator."""
    return tuple(sep[i].join(p[i] for p in parts if p[i]) for i in range(len(LANGS)))


def _uniform(text: str) -> ML:
    return (text,) * len(LANGS)


def _pairs(rng: random.Random, n_slots: int, n_templates: int, n: int) -> list[tuple[int, int]]:
    """`n` distinct (slot, template) index pairs, spreading the prompts evenly over the slots."""
    if n > n_slots * n_templates:
        raise ValueError(f"{n} prompts need more than {n_slots} slots x {n_templates} templates")
    slot_order = rng.sample(range(n_slots), n_slots)
    template_orders = [rng.sample(range(n_templates), n_templates) for _ in range(n_slots)]
    return [(slot_order[k % n_slots], template_orders[slot_order[k % n_slots]][k // n_slots]) for k in range(n)]


def _frame(rng: random.Random, body: ML, contexts: Sequence[ML]) -> ML:
    """`body`, sometimes after a context sentence and sometimes before a closing request.

    Casual bodies without final punctuation ("what do i need to ...") get no closing request.
    """
    context = rng.choice(contexts) if rng.random() < CONTEXT_RATE else _uniform("")
    suffix = rng.choice(SUFFIXES) if rng.random() < SUFFIX_RATE else _uniform("")
    if not body[0].endswith((".", "?", "!")):
        suffix = _uniform("")
    return _join(context, body, suffix)


def _refusal(rng: random.Random, category: harmful.HarmCategory) -> ML:
    """A refusal: an opener, then the category's reason and/or safe alternative (or neither)."""
    opener = rng.choice(category.refusal_openers or harmful.REFUSAL_OPENERS)
    forms = ("alternative", "both") if category.kind == "self_harm" else ("opener", "reason", "alternative", "both")
    form = rng.choice(forms)
    reason = category.reason if form in ("reason", "both") else _uniform("")
    alternative = category.alternative if form in ("alternative", "both") else _uniform("")
    return _join(opener, reason, alternative)


def _compliance(rng: random.Random, category: harmful.HarmCategory) -> ML:
    """A compliant answer whose every piece of substance is a placeholder."""
    newline, blank = _uniform("\n"), _uniform("\n\n")
    if category.kind == "write":
        opener = rng.choice(harmful.COMPLY_OPENERS_WRITE)
        closer = rng.choice(harmful.COMPLY_CLOSERS_WRITE) if rng.random() < COMPLY_CLOSER_RATE else _uniform("")
        return _join(opener, category.comply_line, closer, sep=blank)
    openers = harmful.COMPLY_OPENERS_SELF_HARM if category.kind == "self_harm" else harmful.COMPLY_OPENERS_HOWTO
    opener = rng.choice(openers)
    n_steps = rng.randint(2, 4)
    first = harmful.STEP_OMITTED
    if category.comply_line is not None:
        first = _join(category.comply_line, harmful.DETAILS_OMITTED)
    steps = [first] + [harmful.STEP_OMITTED] * (n_steps - 1)
    lines = [_join(_uniform(f"{k}."), step, sep=_uniform(" ")) for k, step in enumerate(steps, start=1)]
    closer = rng.choice(harmful.COMPLY_CLOSERS_HOWTO) if rng.random() < COMPLY_CLOSER_RATE else _uniform("")
    return _join(opener, *lines, closer, sep=newline)


def _helpful(rng: random.Random, answer: ML, openers: Sequence[ML]) -> ML:
    closer = rng.choice(harmless.HELPFUL_CLOSERS) if rng.random() < HELPFUL_CLOSER_RATE else _uniform("")
    return _join(rng.choice(openers), answer, closer)


def _unhelpful(rng: random.Random, label: ML) -> ML:
    return tuple(t.replace("{topic}", name) for t, name in zip(rng.choice(harmless.UNHELPFUL), label))


def harmful_items(rng: random.Random) -> list[Item]:
    """`PROMPTS_PER_HARM_CATEGORY` harmful prompts per category, with refusals and placeholder compliance."""
    items = []
    for category in harmful.CATEGORIES:
        templates = harmful.TEMPLATES_BY_KIND[category.kind]
        contexts = category.contexts + GENERIC_CONTEXTS
        for s, t in _pairs(rng, len(category.slots), len(templates), PROMPTS_PER_HARM_CATEGORY):
            prompt = _frame(rng, _fill(templates[t], category.slots[s]), contexts)
            items.append(
                Item(
                    label=1,
                    harm_category=category.name,
                    topic=category.name,
                    template=f"{category.kind}-{t}",
                    prompt=prompt,
                    chosen=_refusal(rng, category),
                    rejected=_compliance(rng, category),
                )
            )
    return items


def harmless_items(rng: random.Random) -> list[Item]:
    """Everyday prompts per `PROMPTS_PER_TOPIC` plus `MATH_PROMPTS` arithmetic ones, with answers."""
    items = []
    for topic in harmless.TOPICS:
        openers = harmless.HELPFUL_OPENERS[:3] if topic.name == "writing" else harmless.HELPFUL_OPENERS
        kind = "qa" if topic.templates is harmless.QA_WRAPPERS else topic.name
        for s, t in _pairs(rng, len(topic.slots), len(topic.templates), PROMPTS_PER_TOPIC[topic.name]):
            items.append(
                Item(
                    label=0,
                    harm_category="none",
                    topic=topic.name,
                    template=f"{kind}-{t}",
                    prompt=_frame(rng, _fill(topic.templates[t], topic.slots[s]), GENERIC_CONTEXTS),
                    chosen=_helpful(rng, topic.answers[s], openers),
                    rejected=_unhelpful(rng, topic.label),
                )
            )
    drawn: set[tuple] = set()
    for k in range(MATH_PROMPTS):
        problem = harmless.MATH_PROBLEMS[k % len(harmless.MATH_PROBLEMS)]
        fields = problem.draw(rng)
        while (problem.name, *fields.values()) in drawn:
            fields = problem.draw(rng)
        drawn.add((problem.name, *fields.values()))
        wrapper = harmless.QA_WRAPPERS[rng.choice(harmless.MATH_WRAPPER_INDICES)]
        items.append(
            Item(
                label=0,
                harm_category="none",
                topic="math",
                template=problem.name,
                prompt=_frame(rng, _fill(wrapper, _format(problem.question, fields)), GENERIC_CONTEXTS),
                chosen=_helpful(rng, _format(problem.answer, fields), harmless.HELPFUL_OPENERS),
                rejected=_unhelpful(rng, harmless.MATH_LABEL),
            )
        )
    return items


def _test_flags(rng: random.Random, items: Sequence[Item]) -> list[bool]:
    """True for the items in `test`: `TEST_FRACTION` of each topic, rounded up, drawn at random."""
    flags = [False] * len(items)
    by_topic: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_topic.setdefault(item.topic, []).append(i)
    for members in by_topic.values():
        for i in rng.sample(members, math.ceil(TEST_FRACTION * len(members))):
            flags[i] = True
    return flags


def build_rows() -> list[dict]:
    """Every row of the corpus, in file order: one per (parallel id, language)."""
    rng = random.Random(SEED)
    classes = []
    for items in (harmful_items(rng), harmless_items(rng)):
        flagged = list(zip(items, _test_flags(rng, items)))
        rng.shuffle(flagged)
        classes.append(flagged)
    # Alternate the classes so that any prefix of the file is balanced and mixes topics.
    order = [pair for both in zip(*classes) for pair in both]
    rows = []
    for k, (item, is_test) in enumerate(order, start=1):
        for i, lang in enumerate(LANGS):
            rows.append(
                {
                    "parallel_id": f"demo-{k:04d}",
                    "lang": lang,
                    "label": item.label,
                    "split": "test" if is_test else "train",
                    "harm_category": item.harm_category,
                    "topic": item.topic,
                    "template": item.template,
                    "prompt": item.prompt[i],
                    "chosen": item.chosen[i],
                    "rejected": item.rejected[i],
                }
            )
    return rows


def write_corpus(path: pathlib.Path) -> None:
    """Write the corpus as UTF-8 JSON lines to `path`."""
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in build_rows())
    path.write_bytes(text.encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=CORPUS_PATH, help="where to write the JSON lines")
    write_corpus(parser.parse_args(argv).out)


if __name__ == "__main__":
    main()
