"""Refusal, measured two ways: the next-token refusal score and the refusal rate of generations.

- `refusal_score`: Arditi et al. 2024's log-odds that the first answer token is a refusal token,
  log p(R) - log(1 - p(R)) with p(R) the next-token probability mass on the refusal tokens R.
  By default R is, per language, the set of first tokens of the demo corpus's refusals (the chosen
  answers to its harmful prompts) in that language and in English.
- `is_refusal` and `refusals`: a generated answer that contains one of its language's refusal phrases
  or an English one (`alignscope/data/refusal_phrases.json`).

English counts for every language because models often answer a non-English prompt in English
(SmolLM2-135M-Instruct answers Chinese prompts with "I'm sorry, ...").
"""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Mapping, Sequence

import jax
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.data.demo import load_preferences
from alignscope.runtime.extraction import run_extraction
from alignscope.runtime.extraction_spec import ExtractionSpec
from alignscope.runtime.generation import generate_ids_and_logits
from alignscope.models.forward import merged
from alignscope.models.intervention import Interventions
from alignscope.models.model import Model

PHRASES_PATH = pathlib.Path(__file__).parents[1] / "data" / "refusal_phrases.json"


@functools.cache
def _phrases() -> dict[str, tuple[str, ...]]:
    table = json.loads(PHRASES_PATH.read_text(encoding="utf-8"))
    return {lang: tuple(phrases) for lang, phrases in table.items() if not lang.startswith("_")}


def refusal_phrases(lang: str) -> tuple[str, ...]:
    """Returns the lower-case refusal phrases of an ISO 639-1 language.

    Raises:
      AlignscopeError: a language without a list.
    """
    if lang not in _phrases():
        raise AlignscopeError(f"no refusal phrases for language {lang!r}; languages with a list: "
                              f"{', '.join(sorted(_phrases()))}")
    return _phrases()[lang]


def is_refusal(text: str, lang: str) -> bool:
    """Returns whether a generated answer contains one of `lang`'s refusal phrases or an English one
    (case-insensitive)."""
    normalised = text.replace("\u2019", "'").lower()
    return any(phrase in normalised for phrase in refusal_phrases(lang) + refusal_phrases("en"))


def demo_refusal_tokens(tokenizer, lang: str) -> list[int]:
    """Returns the sorted distinct first tokens of the demo corpus's refusals in `lang` and in English
    (the chosen answers to its harmful prompts, tokenized without special tokens).

    Raises:
      AlignscopeError: the demo corpus has no refusals in `lang`.
    """
    refusals = set()
    for language in sorted({lang, "en"}):
        preferences = load_preferences("demo", langs=[language])
        found = {chosen for chosen, label in zip(preferences.chosen, preferences.label) if label == 1}
        if not found:
            raise AlignscopeError(f"the demo corpus has no refusals in {language!r}; pass refusal_tokens")
        refusals |= found
    return sorted({ids[0] for ids in tokenizer(sorted(refusals), add_special_tokens=False)["input_ids"] if ids})


def _token_sets(tokenizer, langs: Sequence[str] | None, count: int,
                refusal_tokens: Sequence[int] | Mapping[str, Sequence[int]] | None) -> list[list[int]]:
    """Per prompt, its refusal token ids."""
    if refusal_tokens is not None and not isinstance(refusal_tokens, Mapping):
        return [[int(token) for token in refusal_tokens]] * count
    if langs is None:
        if refusal_tokens is not None:
            raise AlignscopeError("refusal_tokens per language needs langs (each prompt's language)")
        raise AlignscopeError("refusal_score needs langs (each prompt's language) for the demo's refusal tokens, "
                              "or refusal_tokens")
    if len(langs) != count:
        raise AlignscopeError(f"langs has {len(langs)} entries for {count} prompts")
    by_lang = {}
    for lang in sorted(set(langs)):
        if refusal_tokens is None:
            by_lang[lang] = demo_refusal_tokens(tokenizer, lang)
        elif lang in refusal_tokens:
            by_lang[lang] = [int(token) for token in refusal_tokens[lang]]
        else:
            raise AlignscopeError(f"refusal_tokens has no entry for language {lang!r}")
    return [by_lang[lang] for lang in langs]


def log_odds(logits: np.ndarray, tokens: Sequence[int]) -> float:
    """Returns log p(tokens) - log(1 - p(tokens)) for one next-token distribution `[vocab]` of logits,
    computed stably in float64."""
    logits = np.asarray(logits, np.float64)
    chosen = np.zeros(logits.shape[-1], bool)
    chosen[np.asarray(tokens, np.int64)] = True
    if chosen.all():
        raise AlignscopeError("the refusal tokens cover the whole vocabulary")
    inside = np.logaddexp.reduce(logits[chosen])
    outside = np.logaddexp.reduce(logits[~chosen])
    return float(inside - outside)


def refusal_score(model: Model, tokenizer, prompts: Sequence[str], langs: Sequence[str] | None = None,
                  refusal_tokens: Sequence[int] | Mapping[str, Sequence[int]] | None = None,
                  chat_template: bool = True, intervention: Interventions = None, *, batch_size: int = 32,
                  max_length: int = 512) -> np.ndarray:
    """Returns `[N]` float64: per prompt, the log-odds that the next token is a refusal token.

    Args:
      model, tokenizer: the model and its tokenizer.
      prompts: N prompts.
      langs: each prompt's ISO 639-1 language (chooses its default refusal tokens).
      refusal_tokens: token ids for every prompt, or per language a list of ids; default: the demo
        corpus's refusal first tokens per language (`demo_refusal_tokens`).
      chat_template: wrap each prompt as a user turn with the generation prompt (where the answer
        begins); without it, the prompt's own last token.
      intervention: residual-stream edits (`engine.Intervention`, or a list applied in order).
      batch_size: rows per batch at max_length (`next_token_logits` packs prompts into rows).
      max_length: longest prompt in tokens.
    """
    prompts = list(prompts)
    token_sets = _checked_token_sets(model, tokenizer, langs, len(prompts), refusal_tokens)
    logits = next_token_logits(model, tokenizer, prompts, chat_template, intervention, batch_size=batch_size,
                               max_length=max_length)
    return np.array([log_odds(row, tokens) for row, tokens in zip(logits, token_sets)], dtype=np.float64)


def _checked_token_sets(model: Model, tokenizer, langs: Sequence[str] | None, count: int,
                        refusal_tokens: Sequence[int] | Mapping[str, Sequence[int]] | None) -> list[list[int]]:
    token_sets = _token_sets(tokenizer, None if langs is None else list(langs), count, refusal_tokens)
    vocab = model.config.vocab_size
    for tokens in token_sets:
        if not tokens or min(tokens) < 0 or max(tokens) >= vocab:
            raise AlignscopeError(f"refusal tokens must be a non-empty set of ids in 0..{vocab - 1}")
    return token_sets


def score_and_generate(model: Model, tokenizer, prompts: Sequence[str], langs: Sequence[str] | None = None,
                       max_new_tokens: int = 64, refusal_tokens: Sequence[int] | Mapping[str, Sequence[int]] | None = None,
                       chat_template: bool = True, intervention: Interventions = None, *, batch_size: int = 32,
                       max_length: int = 512) -> tuple[np.ndarray, list[str]]:
    """Returns (`refusal_score`, `engine.generate`'s greedy answers) of the prompts from one pass:
    the score reads the logits the first generated token is chosen from. Arguments as theirs."""
    prompts = list(prompts)
    token_sets = _checked_token_sets(model, tokenizer, langs, len(prompts), refusal_tokens)
    generated, logits = generate_ids_and_logits(model, tokenizer, prompts, max_new_tokens, chat_template, intervention,
                                                batch_size=batch_size, max_length=max_length)
    scores = np.array([log_odds(row, tokens) for row, tokens in zip(logits, token_sets)], dtype=np.float64)
    return scores, [tokenizer.decode(ids, skip_special_tokens=True) for ids in generated]


def next_token_logits(model: Model, tokenizer, prompts: Sequence[str], chat_template: bool = True,
                      intervention: Interventions = None, *, batch_size: int = 32, max_length: int = 512) -> np.ndarray:
    """Returns `[N, vocab]` float32: the logits of the token after each prompt (after the chat
    template's generation prompt with `chat_template`).

    Run as a pooled extraction (`runtime.extraction`): each prompt's final normed state at its last
    token, from packed rows (several prompts per row, each attending only to itself, ~95% real
    tokens, where left-padded length buckets hold ~60%), then the LM head on those states only. The
    values equal a left-padded forward's (`Model.next_token_logits`) up to float rounding.
    """
    spec = ExtractionSpec(pooling="last", layers=(-1,), max_length=max_length, chat_template=chat_template,
                          batch_size=batch_size, intervention=intervention)
    final = run_extraction(model, tokenizer, prompts, spec).activations[:, 0]  # [N, d_model]
    return np.asarray(_head(model.graphdef, model.compute_dtype, model.params, final))


@functools.partial(jax.jit, static_argnums=(0, 1))
def _head(graphdef, compute_dtype, params, final: jax.Array) -> jax.Array:
    """`[N, vocab]` float32 logits of final normed states `[N, d_model]`."""
    return merged(graphdef, params, compute_dtype).logits(final[:, None].astype(compute_dtype))[:, 0]


def refusals(texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
    """Returns `[N]` bool: whether each generated answer is a refusal in its language."""
    if len(texts) != len(langs):
        raise AlignscopeError(f"{len(texts)} texts but {len(langs)} languages")
    return np.array([is_refusal(text, lang) for text, lang in zip(texts, langs)], dtype=bool)
