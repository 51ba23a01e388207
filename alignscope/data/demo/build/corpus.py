"""Build the frozen demo corpus: `python -m alignscope.data.demo.build.corpus [--out PATH]`.

Fills the hand-translated templates of `harmful` and `harmless` with their slots,
frames some prompts with a context sentence or a closing request, writes a preference pair (chosen,
rejected) for every prompt, and assigns whole slots (a harmful request, a question, a dish, a kind
of arithmetic problem) to `train` or `test`, so that no test prompt shares its request or its answer
with a training prompt. One seeded random generator drives every choice, and every choice is made
once per parallel id and applied to all four languages, so the four translations of a row stay
parallel (and share a split). Rerunning it rewrites `demo_corpus.jsonl` byte for byte.
"""

import argparse
import dataclasses
import json
import math
import pathlib
import random
from collections.abc import Sequence

from alignscope.data.demo.build import harmful
from alignscope.data.demo.build import harmless
from alignscope.data.demo.build.common import GENERIC_CONTEXTS, ML, SENTENCE_JOIN, SUFFIXES
from alignscope.data.demo.loaders import CORPUS_PATH, DEMO_LANGS as LANGS

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
    """One prompt with its preference pair, in the four languages (`ML` tuples).

    `slot` names what fills the template (`weapons-7`: slot 7 of the category; `math-area`: the
    arithmetic problem kind); `test` is True when the slot, and so the prompt, is in `test`.
    """

    label: int
    harm_category: str
    topic: str
    template: str
    slot: str
    test: bool
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


def _slot_plan(rng: random.Random, n_slots: int, n: int) -> list[tuple[int, bool]]:
    """The slot each of `n` prompts fills, and whether the prompt is in `test`.

    Whole slots go to `test`: `TEST_FRACTION` of the slots (rounded up), drawn at random, take
    `TEST_FRACTION` of the prompts (rounded up); within each split the prompts are spread evenly
    over its slots.
    """
    test_slots = set(rng.sample(range(n_slots), math.ceil(TEST_FRACTION * n_slots)))
    n_test = math.ceil(TEST_FRACTION * n)
    plan = []
    for is_test, count in ((False, n - n_test), (True, n_test)):
        slots = [s for s in range(n_slots) if (s in test_slots) == is_test]
        order = rng.sample(slots, len(slots))
        plan += [(order[k % len(order)], is_test) for k in range(count)]
    return plan


def _with_templates(
    rng: random.Random, plan: Sequence[tuple[int, bool]], n_templates: int
) -> list[tuple[int, int, bool]]:
    """`plan` with a template for each prompt, never the same one twice for a slot."""
    orders: dict[int, list[int]] = {}
    out = []
    for s, is_test in plan:
        order = orders.setdefault(s, rng.sample(range(n_templates), n_templates))
        if not order:
            raise ValueError(f"slot {s} is used more often than its {n_templates} templates allow")
        out.append((s, order.pop(), is_test))
    return out


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
        plan = _slot_plan(rng, len(category.slots), PROMPTS_PER_HARM_CATEGORY)
        for s, t, is_test in _with_templates(rng, plan, len(templates)):
            prompt = _frame(rng, _fill(templates[t], category.slots[s]), contexts)
            items.append(
                Item(
                    label=1,
                    harm_category=category.name,
                    topic=category.name,
                    template=f"{category.kind}-{t}",
                    slot=f"{category.name}-{s}",
                    test=is_test,
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
        plan = _slot_plan(rng, len(topic.slots), PROMPTS_PER_TOPIC[topic.name])
        for s, t, is_test in _with_templates(rng, plan, len(topic.templates)):
            items.append(
                Item(
                    label=0,
                    harm_category="",
                    topic=topic.name,
                    template=f"{kind}-{t}",
                    slot=f"{topic.name}-{s}",
                    test=is_test,
                    prompt=_frame(rng, _fill(topic.templates[t], topic.slots[s]), GENERIC_CONTEXTS),
                    chosen=_helpful(rng, topic.answers[s], openers),
                    rejected=_unhelpful(rng, topic.label),
                )
            )
    drawn: set[tuple] = set()
    for s, is_test in _slot_plan(rng, len(harmless.MATH_PROBLEMS), MATH_PROMPTS):
        problem = harmless.MATH_PROBLEMS[s]
        fields = problem.draw(rng)
        while (problem.name, *fields.values()) in drawn:
            fields = problem.draw(rng)
        drawn.add((problem.name, *fields.values()))
        wrapper = harmless.QA_WRAPPERS[rng.choice(harmless.MATH_WRAPPER_INDICES)]
        items.append(
            Item(
                label=0,
                harm_category="",
                topic="math",
                template=problem.name,
                slot=problem.name,
                test=is_test,
                prompt=_frame(rng, _fill(wrapper, _format(problem.question, fields)), GENERIC_CONTEXTS),
                chosen=_helpful(rng, _format(problem.answer, fields), harmless.HELPFUL_OPENERS),
                rejected=_unhelpful(rng, harmless.MATH_LABEL),
            )
        )
    return items


def build_rows() -> list[dict]:
    """Every row of the corpus, in file order: one per (parallel id, language)."""
    rng = random.Random(SEED)
    classes = []
    for items in (harmful_items(rng), harmless_items(rng)):
        rng.shuffle(items)
        classes.append(items)
    # Alternate the classes so that any prefix of the file is balanced and mixes topics.
    order = [pair for both in zip(*classes) for pair in both]
    rows = []
    for k, item in enumerate(order, start=1):
        for i, lang in enumerate(LANGS):
            rows.append(
                {
                    "parallel_id": f"demo-{k:04d}",
                    "lang": lang,
                    "label": item.label,
                    "split": "test" if item.test else "train",
                    "harm_category": item.harm_category,
                    "topic": item.topic,
                    "template": item.template,
                    "slot": item.slot,
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
