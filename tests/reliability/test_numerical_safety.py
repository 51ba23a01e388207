"""Numerical safety: float32 accumulation under bfloat16 and float16 models, and kernels that stay
finite and correct (against float64 numpy / scikit-learn) on near-constant features, duplicated
rows and many more features than rows.

Each precision test is built so that accumulating in the low dtype fails visibly (overflow to inf
in float16, lost increments in bfloat16); a control asserts that it would.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from sklearn.metrics import silhouette_score as sk_silhouette

from alignscope import engine
from alignscope.models import forward
from alignscope.models.decoder import Norm
from alignscope.models.families import parse_config
from alignscope.experiments.bpe_tokenizer import train_bpe_tokenizer
from alignscope.kernels import analysis, cka, pca, probe, separation
from tests.kernels.test_separation import between_ref, bhattacharyya_ref, fisher_ref

LOW = {"bfloat16": jnp.bfloat16, "float16": jnp.float16}


# ---------------------------------------------------------------------------------------------
# float32 accumulation under low-precision models

@pytest.mark.parametrize("dtype", list(LOW))
def test_pooled_sum_accumulates_in_float32(dtype):
    """Mean pooling of 4096 bfloat16/float16 token states: a running sum kept in the low dtype
    loses the increments below half a unit in its last place (errors of 1e-2 and more); the
    pooled float32 mean matches float64 to float32 rounding (1e-6)."""
    seq = 4096
    hidden = jnp.asarray(1.0 + 0.01 * np.random.default_rng(0).normal(size=(2, seq, 3)), LOW[dtype])
    weights = jnp.full((2, 1, seq), 1.0 / seq, jnp.float32)  # one text per row
    pooled = forward.weighted_sum(hidden, weights)[:, 0]
    reference = np.asarray(hidden, np.float64).mean(axis=1)
    assert pooled.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(pooled), reference, rtol=1e-6)
    # Control: the same sum accumulated step by step in the low dtype is far off.
    step = jnp.asarray(1.0 / seq, LOW[dtype])
    low_mean = jax.lax.fori_loop(0, seq, lambda t, total: total + hidden[:, t] * step, jnp.zeros((2, 3), LOW[dtype]))
    assert np.max(np.abs(np.asarray(low_mean, np.float64) - reference)) > 1e-3  # 1000x the tolerance


@pytest.mark.parametrize("dtype", list(LOW))
def test_rms_norm_accumulates_in_float32(dtype):
    """RMS norm of states whose squares overflow float16 (|x| ~ 300, x² ~ 9e4 > 65504) and whose
    mean square over 2048 features loses increments in bfloat16: computed in float32, the output
    is the float64 result rounded to the low dtype."""
    d = 2048
    x = jnp.asarray(300.0 * (1.0 + 0.1 * np.random.default_rng(1).normal(size=(3, d))), LOW[dtype])
    config = parse_config({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 8,
                           "hidden_size": d, "intermediate_size": 8, "num_hidden_layers": 1,
                           "num_attention_heads": 1, "rms_norm_eps": 1e-6})
    norm = Norm(config, (d,), ("embed",), LOW[dtype])
    x64 = np.asarray(x, np.float64)
    reference = x64 / np.sqrt((x64**2).mean(-1, keepdims=True) + 1e-6)
    out = np.asarray(norm(x), np.float64)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, reference, rtol=float(jnp.finfo(LOW[dtype]).eps), atol=0)
    squares = jnp.square(x)  # Control: the low dtype alone overflows (float16) or stalls (bfloat16).
    low_mean = jax.lax.fori_loop(0, d, lambda i, total: total + squares[:, i], jnp.zeros(3, LOW[dtype])) / d
    assert not np.allclose(np.asarray(low_mean, np.float64), (x64**2).mean(-1), rtol=0.05)


@pytest.fixture(scope="module")
def stressed_models(tmp_path_factory):
    """(float32 model, tokenizer, its weights) of a tiny Llama whose attention scores (|q·k| up to
    ~1e5) and logits (above 65504) overflow float16 if accumulated in it."""
    tokenizer = train_bpe_tokenizer(["How do I bake bread at home? Tell me a story."] * 20, 290,
                                    tmp_path_factory.mktemp("tok"))
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": len(tokenizer),
              "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 2,
              "num_key_value_heads": 2, "max_position_embeddings": 64}
    base = engine.init_model(config, seed=3)
    scale = {"q_proj": 60.0, "k_proj": 60.0, "lm_head": 250000.0}
    flat = [(path, variable.replace(variable.get_value() * scale.get(path[-1], 1.0)))
            for path, variable in nnx.to_flat_state(base.params)]
    # Weights exactly representable in bfloat16 and float16, so every dtype computes on the same numbers.
    flat = [(path, variable.replace(jnp.asarray(variable.get_value(), jnp.bfloat16).astype(jnp.float32)))
            for path, variable in flat]
    return base.with_params(nnx.from_flat_state(flat)), tokenizer, config


@pytest.mark.parametrize("dtype", list(LOW))
def test_low_precision_model_scores_and_logprobs_stay_finite(stressed_models, dtype):
    """Attention scores and logits are accumulated in float32 (`preferred_element_type`), softmax
    and log-softmax run in float32: the low-precision model's pooled states and response
    log-probabilities are finite and close to the float32 model's."""
    model32, tokenizer, config = stressed_models
    low = engine.init_model(config, dtype=dtype).with_params(
        jax.tree.map(lambda p: p.astype(LOW[dtype]), model32.params))
    texts = ["How do I bake bread at home?", "Tell me a story."]
    states32 = engine.extract(model32, tokenizer, texts, max_length=32, layers=[-1])
    states = engine.extract(low, tokenizer, texts, max_length=32, layers=[-1])
    assert states.dtype == np.float32 and np.isfinite(states).all()
    np.testing.assert_allclose(states, states32, rtol=0.1, atol=0.1)
    logprobs32 = engine.response_logprobs(model32, tokenizer, texts, [" Bake it.", " Once upon a time."])
    logprobs = engine.response_logprobs(low, tokenizer, texts, [" Bake it.", " Once upon a time."])
    assert logprobs.dtype == np.float32 and np.isfinite(logprobs).all() and np.isfinite(logprobs32).all()
    assert np.max(np.abs(logprobs32)) > 1e3  # the logits are large enough to overflow float16
    np.testing.assert_allclose(logprobs, logprobs32, rtol=0.05)
    # Control: the logits themselves exceed float16's range (65504), so float16 logits would be inf.
    ids = np.asarray([tokenizer(texts[0])["input_ids"]], np.int32)
    assert np.abs(np.asarray(model32.logits(ids, np.ones_like(ids)))).max() > 65504


# ---------------------------------------------------------------------------------------------
# Kernel stability against float64 references

def _two_classes(n, d, seed):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(int)
    X = rng.normal(size=(n, d)) + 0.8 * y[:, None] * rng.normal(size=d)
    return X, y


def near_constant(n=40, d=12):
    """Every feature 1000 plus a signal of spread 0.1: E[x²] − E[x]² in float32 is noise."""
    X, y = _two_classes(n, d, 0)
    return (1000.0 + 0.1 * X).astype(np.float32), y


def duplicated(n=12, d=6, copies=3):
    """Each row three times over (n = 36 rows, 12 distinct)."""
    X, y = _two_classes(n, d, 1)
    return np.repeat(X, copies, axis=0).astype(np.float32), np.repeat(y, copies)


def wide(n=24, d=1500):
    """Far more features than rows."""
    X, y = _two_classes(n, d, 2)
    return X.astype(np.float32), y


CASES = {"near-constant": near_constant, "duplicated rows": duplicated, "d >> n": wide}
TOL = 2e-3  # float32 kernels against float64 references on the float32-rounded inputs


@pytest.mark.parametrize("case", list(CASES))
def test_pca_and_separation_metrics_match_float64(case):
    X, y = CASES[case]()
    X64 = X.astype(np.float64)
    centred = X64 - X64.mean(0)
    spectrum = np.linalg.svd(centred, compute_uv=False) ** 2
    evr = np.asarray(pca.explained_variance_ratio(X, 2, method="exact"))
    np.testing.assert_allclose(evr, spectrum[:2] / spectrum.sum(), rtol=TOL, atol=1e-6)
    for k in (2, None):
        between = float(separation.between_class_variance_ratio(X, y, k))
        assert np.isfinite(between)
        np.testing.assert_allclose(between, between_ref(X64, y, k), rtol=TOL, atol=1e-6)
    fisher = float(separation.fisher_ratio(X, y, "auto"))
    np.testing.assert_allclose(fisher, fisher_ref(X64, y, "auto")[0], rtol=5 * TOL)
    if case != "duplicated rows":  # 6 distinct rows per class: class covariances on 4 PCs are singular
        np.testing.assert_allclose(float(separation.bhattacharyya_distance(X, y, 4)), bhattacharyya_ref(X64, y, 4),
                                   rtol=5 * TOL)
    np.testing.assert_allclose(float(separation.silhouette_score(X, y)), sk_silhouette(X64, y), rtol=TOL, atol=1e-5)


@pytest.mark.parametrize("case", list(CASES))
def test_cka_and_probe_stay_finite_and_correct(case):
    X, y = CASES[case]()
    X64 = X.astype(np.float64)
    Y = np.tanh(X64 - X64.mean(0)).astype(np.float32) if case == "near-constant" else np.tanh(X)
    A, B = X64 - X64.mean(0), Y.astype(np.float64) - Y.astype(np.float64).mean(0)
    reference = np.linalg.norm(A.T @ B) ** 2 / (np.linalg.norm(A.T @ A) * np.linalg.norm(B.T @ B))
    np.testing.assert_allclose(float(cka.linear_cka(X, Y)), reference, rtol=TOL)
    np.testing.assert_allclose(float(cka.linear_cka(X, X)), 1.0, rtol=1e-5)
    fitted = probe.fit(X, y)
    accuracy = float(probe.accuracy(fitted, X, y))
    assert np.isfinite(np.asarray(fitted.weights)).all() and accuracy >= 0.9


@pytest.mark.parametrize("case", list(CASES))
def test_analyze_is_finite_on_hard_inputs(case):
    X, y = CASES[case]()
    groups = np.arange(len(y)) // 3 if case == "duplicated rows" else None  # copies drawn together
    options = analysis.AnalysisOptions(metrics=("evr2", "between2", "fisher"), bootstrap=2, permutations=0)
    result = analysis.analyze(X[None, None], y, ["en"] * len(y), groups=groups, options=options)
    assert np.isfinite(result.estimate).all() and np.isfinite(result.replicas).all()  # silhouette, probe: above
    X64 = X.astype(np.float64)
    k = result.metrics.index("between2")
    np.testing.assert_allclose(result.plug_in[0, 0, 0, k], between_ref(X64, y, 2), rtol=TOL, atol=1e-6)
    k = result.metrics.index("fisher")
    np.testing.assert_allclose(result.plug_in[0, 0, 0, k], fisher_ref(X64, y, "auto")[0], rtol=5 * TOL)
