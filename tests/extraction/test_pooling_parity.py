"""Pooled extraction equals, sentence by sentence, the same pooling of transformers run alone.

Measured: at most about 2e-6 absolute in float32 (values of order 1); asserted at 1e-5.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.runtime import batching
from alignscope.models import forward
from alignscope.runtime import pooling
from alignscope.runtime.encoding import encode_texts
from tests.extraction.conftest import TEXTS
from tests.models.hf_reference import reference_alone

ATOL = 1e-5


def _reference(torch_model, tokenizer, texts, pooling, max_length, chat_template):
    rows = []
    for item in encode_texts(tokenizer, texts, max_length, chat_template):
        hidden, _ = reference_alone(torch_model, item.ids.tolist())  # [L+1, n, d]
        if pooling == "mean":
            rows.append(hidden[:, item.text_start:item.text_end].mean(axis=1))
        elif pooling == "first":
            rows.append(hidden[:, item.text_start])
        else:  # last or last-k
            rows.append(hidden[:, -1 - (int(pooling.split("-")[1]) if "-" in pooling else 0)])
    return np.stack(rows)


@pytest.mark.parametrize("chat_template", [False, True])
@pytest.mark.parametrize("pooling", ["mean", "first", "last"])
def test_pooling_matches_transformers_alone(tiny_checkpoint, pooling, chat_template):
    directory, torch_model = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    got = engine.extract(model, tokenizer, TEXTS, pooling=pooling, batch_size=3, max_length=24,
                         chat_template=chat_template)
    expected = _reference(torch_model, tokenizer, TEXTS, pooling, 24, chat_template)
    assert got.shape == (len(TEXTS), 3, 32) and got.dtype == np.float32
    error = float(np.abs(got - expected).max())
    print(f"POOLING {pooling} chat_template={chat_template} max_abs_error={error:.2e}")
    assert error < ATOL


def test_packed_rows_equal_one_text_per_row(tiny_checkpoint):
    """Texts sharing a row attend only to themselves with their own positions: the same values."""
    directory, _ = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    texts = TEXTS * 3
    lengths = np.array([len(item.ids) for item in encode_texts(tokenizer, texts, 64)])
    plan = batching.plan_batches(lengths, batch_size=2, max_length=64, pack=True)
    assert max(len(row[row >= 0]) for batch in plan for row in batch.slots[0]) >= 2  # rows really are packed
    for pooling_name in pooling.POOLINGS:
        packed, plain = (engine.extract(model, tokenizer, texts, pooling=pooling_name, batch_size=2, max_length=64,
                                        packing=packing) for packing in (True, False))
        np.testing.assert_allclose(packed, plain, atol=2e-6, rtol=0)


def test_layer_subset_and_negative_indices(tiny_checkpoint):
    directory, _ = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    full = engine.extract(model, tokenizer, TEXTS, batch_size=4, max_length=64)
    subset = engine.extract(model, tokenizer, TEXTS, layers=[2, 0, -2], batch_size=4, max_length=64)
    np.testing.assert_allclose(subset, full[:, [2, 0, 1]], atol=1e-6, rtol=0)
    early = engine.extract(model, tokenizer, TEXTS, layers=[1, 0], batch_size=4, max_length=64)  # runs 1 block
    np.testing.assert_allclose(early, full[:, [1, 0]], atol=1e-6, rtol=0)
    embeddings_only = engine.extract(model, tokenizer, TEXTS, layers=[0], batch_size=4, max_length=64)
    np.testing.assert_allclose(embeddings_only, full[:, [0]], atol=1e-6, rtol=0)
    with pytest.raises(AlignscopeError, match="layer 3 does not exist"):
        engine.extract(model, tokenizer, TEXTS, layers=[3])


def test_mean_pooling_skips_bos_and_template_tokens(tiny_checkpoint):
    directory, _ = tiny_checkpoint
    tokenizer = engine.load_tokenizer(directory)
    plain, templated = (encode_texts(tokenizer, ["How do I bake bread?"], 64, chat_template)[0]
                        for chat_template in (False, True))
    assert plain.ids[0] == tokenizer.bos_token_id and plain.text_start == 1 and plain.text_end == len(plain.ids)
    own = plain.ids[plain.text_start:plain.text_end]
    np.testing.assert_array_equal(templated.ids[templated.text_start:templated.text_end], own)
    assert templated.text_start > 0 and templated.text_end < len(templated.ids)
    assert tokenizer.decode(templated.ids[templated.text_end:]) == "<|end|><|assistant|>"


def test_truncation_cuts_only_the_text(tiny_checkpoint):
    directory, _ = tiny_checkpoint
    tokenizer = engine.load_tokenizer(directory)
    full = encode_texts(tokenizer, [TEXTS[1]], 512, chat_template=True)[0]
    cut = encode_texts(tokenizer, [TEXTS[1]], 12, chat_template=True)[0]
    assert cut.truncated and not full.truncated and len(cut.ids) == 12
    np.testing.assert_array_equal(cut.ids[:cut.text_end], full.ids[:cut.text_end])
    np.testing.assert_array_equal(cut.ids[cut.text_end:], full.ids[full.text_end:])  # template tail kept
    with pytest.raises(AlignscopeError, match="leaves no room"):
        encode_texts(tokenizer, [TEXTS[1]], 3, chat_template=True)


TRIMMING_TEMPLATE = ("{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] | trim }}<|end|>"
                     "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")


@pytest.mark.parametrize("text", ["user", "|", "  Wie backe ich Brot?  \n", "<|end|> literally"])
def test_text_span_is_found_by_position_not_by_search(tiny_checkpoint, text):
    """Texts that also occur in the template, and templates that trim, still get their own span."""
    directory, _ = tiny_checkpoint
    tokenizer = engine.load_tokenizer(directory)
    tokenizer.chat_template = TRIMMING_TEMPLATE
    item = encode_texts(tokenizer, [text], 64, chat_template=True)[0]
    prefix = tokenizer.decode(item.ids[:item.text_start])
    assert prefix == "<|user|>"
    assert tokenizer.decode(item.ids[item.text_start:item.text_end]) == text.strip()
    assert tokenizer.decode(item.ids[item.text_end:]) == "<|end|><|assistant|>"


def test_weighted_sum_excludes_non_finite_positions():
    hidden = jnp.array([[[1.0, 2.0], [jnp.nan, jnp.inf], [3.0, 4.0]]])
    weights = jnp.array([[[0.5, 0.0, 0.5], [0.0, 0.0, 1.0]]])  # two texts' weights over one row
    np.testing.assert_array_equal(forward.weighted_sum(hidden, weights), [[[2.0, 3.0], [3.0, 4.0]]])


def test_non_finite_padding_cannot_leak(tiny_checkpoint):
    """A NaN pad-token embedding changes nothing: padded positions are excluded with `where`."""
    directory, _ = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    clean = engine.extract(model, tokenizer, TEXTS, batch_size=4, max_length=64)
    embed = model.params["embed"]
    embed[...] = embed[...].at[tokenizer.pad_token_id].set(jnp.nan)
    assert np.isnan(np.asarray(model.params["embed"][...])[tokenizer.pad_token_id]).all()
    poisoned = engine.extract(model, tokenizer, TEXTS, batch_size=4, max_length=64)
    assert np.isfinite(poisoned).all()
    np.testing.assert_array_equal(poisoned, clean)


def test_chat_template_missing_is_a_clear_error(tiny_checkpoint):
    directory, _ = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    tokenizer.chat_template = None
    with pytest.raises(AlignscopeError, match="has none; run without it"):
        engine.extract(model, tokenizer, TEXTS, chat_template=True)


def test_bad_pooling_and_empty_texts(tiny_checkpoint):
    directory, _ = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    with pytest.raises(AlignscopeError, match="pooling 'max' is not supported"):
        engine.extract(model, tokenizer, TEXTS, pooling="max")
    with pytest.raises(AlignscopeError, match="has no tokens of its own"):
        engine.extract(model, tokenizer, ["fine", ""])
