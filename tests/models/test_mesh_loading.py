"""Loading onto a device mesh (a family with fused projections): 8 simulated CPU devices give the
single-device numbers.

The mesh runs in a subprocess, because the number of CPU devices is fixed when JAX starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import transformers

from alignscope import engine
from tests.models.hf_reference import padded_batch, save_tiny_model

ON_MESH = textwrap.dedent("""
    import json, sys
    import numpy as np
    import jax
    from alignscope import engine
    directory, ids_file, out_file = sys.argv[1:]
    batch = np.load(ids_file)
    results = {}
    for spec in ("data:8,model:1", "data:4,model:2", "data:1,model:8"):
        mesh = engine.make_mesh(spec)
        model = engine.load_model(directory, mesh=mesh)
        hidden = np.asarray(model.hidden_states(batch["ids"], batch["mask"]))
        logits = np.asarray(model.logits(batch["ids"], batch["mask"]))
        layers = model.params["layers"]["attn"]
        results[spec] = {
            "q_proj": str(layers["q_proj"][...].sharding.spec),
            "k_proj": str(layers["k_proj"][...].sharding.spec),
            "embed": str(model.params["embed"][...].sharding.spec),
        }
        np.save(out_file + spec.replace(":", "").replace(",", "_") + "-hidden.npy", hidden)
        np.save(out_file + spec.replace(":", "").replace(",", "_") + "-logits.npy", logits)
    print(json.dumps(results))
""")


def test_meshes_match_single_device(tmp_path):
    # 8 query heads and 2 key/value heads: q shards over model:2 and model:8, k only over model:2.
    # Phi-3 fuses q, k, v into one tensor (and gate, up into another): each device reads its slice
    # of its parameter's part of the fused tensor.
    config = transformers.Phi3Config(vocab_size=96, hidden_size=64, intermediate_size=64, num_hidden_layers=2,
                                     num_attention_heads=8, num_key_value_heads=2, pad_token_id=0)
    save_tiny_model(config, tmp_path / "ckpt")
    rng = np.random.default_rng(0)
    sentences = [rng.integers(1, 96, size=n).tolist() for n in (9, 3, 7, 5, 1, 8, 2, 6)]
    ids, mask = padded_batch(sentences, "left")
    np.savez(tmp_path / "batch.npz", ids=ids, mask=mask)
    model = engine.load_model(tmp_path / "ckpt")
    expected_hidden = np.asarray(model.hidden_states(ids, mask))
    expected_logits = np.asarray(model.logits(ids, mask))

    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    run = subprocess.run([sys.executable, "-c", ON_MESH, str(tmp_path / "ckpt"), str(tmp_path / "batch.npz"),
                          str(tmp_path / "out-")], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    specs = json.loads(run.stdout.strip().splitlines()[-1])
    assert "'model'" in specs["data:4,model:2"]["q_proj"] and "'model'" in specs["data:4,model:2"]["k_proj"]
    assert "'model'" in specs["data:1,model:8"]["q_proj"]
    assert "'model'" not in specs["data:1,model:8"]["k_proj"]  # 2 kv heads on 8 devices: replicated.
    assert "'model'" in specs["data:1,model:8"]["embed"]  # vocab 96 splits over 8.
    for spec in specs:
        stem = str(tmp_path / "out-") + spec.replace(":", "").replace(",", "_")
        np.testing.assert_allclose(np.load(stem + "-hidden.npy"), expected_hidden, atol=1e-5, rtol=0)
        np.testing.assert_allclose(np.load(stem + "-logits.npy"), expected_logits, atol=1e-5, rtol=0)
