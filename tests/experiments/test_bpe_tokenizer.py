"""The byte-level BPE trainer behind the demo tokenizer: special tokens, chat template, scripts."""

from __future__ import annotations

import json

import pytest

from alignscope.data.demo import load_preferences
from alignscope.experiments.bpe_tokenizer import CHAT_TEMPLATE, train_bpe_tokenizer


@pytest.fixture(scope="module")
def texts() -> list[str]:
    pairs = load_preferences("demo", split="train")
    return [text for lang in ("en", "zh", "hi", "de") for i, text in enumerate(pairs.prompt)
            if pairs.lang[i] == lang][:60] + list(pairs.chosen[::40])


@pytest.fixture(scope="module")
def tokenizer(texts, tmp_path_factory):
    return train_bpe_tokenizer(texts, 700, tmp_path_factory.mktemp("bpe"), CHAT_TEMPLATE)


def test_same_texts_give_the_same_tokenizer(texts, tokenizer, tmp_path):
    train_bpe_tokenizer(texts, 700, tmp_path, CHAT_TEMPLATE)
    again = json.loads((tmp_path / "tokenizer.json").read_text())
    assert again == json.loads(tokenizer.backend_tokenizer.to_str())


def test_bos_eos_pad_are_distinct_and_bos_is_added(tokenizer):
    ids = [tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id]
    assert None not in ids and len(set(ids)) == 3
    assert tokenizer("Hallo")["input_ids"][0] == tokenizer.bos_token_id


def test_chat_template_renders_a_prompt_then_the_answer_and_eos(tokenizer):
    user = [{"role": "user", "content": "Wie spät ist es?"}]
    assert tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True) == \
        "<s><|user|>Wie spät ist es?<|end|><|assistant|>"
    chat = user + [{"role": "assistant", "content": "Zehn."}]
    assert tokenizer.apply_chat_template(chat, tokenize=False) == "<s><|user|>Wie spät ist es?<|end|><|assistant|>Zehn.</s>"


def test_every_script_round_trips(tokenizer, texts):
    for text in texts + ["unseen: ĳ ß ©, emoji 🙂, tabs\tand\n\nnewlines  "]:
        assert tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"]) == text


def test_hindi_words_keep_their_vowel_signs(tokenizer):
    # GPT-2's split pattern cuts "किताब" before each vowel sign (a mark, not a letter).
    words = tokenizer.backend_tokenizer.pre_tokenizer.pre_tokenize_str("मेरी किताब, my book")
    assert len(words) == 5
