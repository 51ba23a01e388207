"""Sharded and multi-process extraction give the single-device result.

Both run in subprocesses: the CPU device count and the distributed runtime are fixed when JAX
starts. Meshes 8x1, 4x2 and 1x8 use 8 simulated CPU devices; the multi-process run is two
processes on localhost (gloo collectives), each with one device, a data axis of 2 across them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np

from alignscope import engine
from tests.extraction.test_store import CORPUS

ATOL = 1e-5

ON_MESHES = textwrap.dedent("""
    import json, sys
    import numpy as np
    from alignscope import engine
    directory, texts_file, out_dir = sys.argv[1:]
    texts = json.load(open(texts_file))
    tokenizer = engine.load_tokenizer(directory)
    for spec in ("data:8,model:1", "data:4,model:2", "data:1,model:8"):
        model = engine.load_model(directory, mesh=engine.make_mesh(spec))
        result = engine.run_extraction(model, tokenizer, texts, batch_size=4, max_length=64)
        np.save(f"{out_dir}/{spec.replace(':', '').replace(',', '_')}.npy", result.activations)
    # A model loaded on one device, run on a mesh given to extract.
    single = engine.load_model(directory)
    on_mesh = engine.extract(single, tokenizer, texts, batch_size=4, max_length=64, mesh=engine.make_mesh("data:2,model:4"))
    np.save(f"{out_dir}/extract_mesh.npy", on_mesh)
""")

TWO_PROCESSES = textwrap.dedent("""
    import json, sys
    import numpy as np
    from alignscope.runtime import distributed
    directory, texts_file, out_dir, address, process_id = sys.argv[1:]
    distributed.initialize(coordinator_address=address, num_processes=2, process_id=int(process_id))
    import jax
    from alignscope import engine
    assert jax.process_count() == 2 and len(jax.devices()) == 2
    texts = json.load(open(texts_file))
    if out_dir.endswith("bad"):
        texts[1] = ""  # text 1 belongs to process 1: both processes must stop with a clear error
    model = engine.load_model(directory, mesh=engine.make_mesh("data:2,model:1"))
    tokenizer = engine.load_tokenizer(directory)
    result = engine.run_extraction(model, tokenizer, texts, batch_size=4, max_length=64, store=f"{out_dir}/cache")
    np.save(f"{out_dir}/process{process_id}.npy", np.asarray(result.activations))
    print(json.dumps({"computed": result.stats.computed_texts}))
""")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _single_device(directory) -> np.ndarray:
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    return engine.extract(model, tokenizer, CORPUS, batch_size=4, max_length=64)


def test_meshes_match_single_device(tiny_checkpoint, tmp_path):
    directory = tiny_checkpoint[0]
    (tmp_path / "texts.json").write_text(json.dumps(CORPUS))
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    run = subprocess.run([sys.executable, "-c", ON_MESHES, str(directory), str(tmp_path / "texts.json"),
                          str(tmp_path)], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    expected = _single_device(directory)
    for name in ("data8_model1", "data4_model2", "data1_model8", "extract_mesh"):
        np.testing.assert_allclose(np.load(tmp_path / f"{name}.npy"), expected, atol=ATOL, rtol=0, err_msg=name)


def _two_processes(directory, texts_file, out_dir) -> list[tuple[int, str, str]]:
    """Runs TWO_PROCESSES on localhost; returns each process's (exit code, stdout, stderr)."""
    address = f"127.0.0.1:{_free_port()}"
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    workers = [subprocess.Popen([sys.executable, "-c", TWO_PROCESSES, str(directory), str(texts_file),
                                 str(out_dir), address, str(rank)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for rank in (0, 1)]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    return [(worker.returncode, out, err) for worker, (out, err) in zip(workers, outputs)]


def test_two_processes_match_one(tiny_checkpoint, tmp_path):
    directory = tiny_checkpoint[0]
    (tmp_path / "texts.json").write_text(json.dumps(CORPUS))
    outputs = [(out, err) for _, out, err in _two_processes(directory, tmp_path / "texts.json", tmp_path)]
    for rank, (_, stderr) in enumerate(outputs):
        assert (tmp_path / f"process{rank}.npy").exists(), stderr[-3000:]
    expected = _single_device(directory)
    for rank in (0, 1):
        np.testing.assert_allclose(np.load(tmp_path / f"process{rank}.npy"), expected, atol=ATOL, rtol=0)
        assert json.loads(outputs[rank][0].strip().splitlines()[-1])["computed"] == len(CORPUS)


def test_bad_input_on_one_process_stops_both(tiny_checkpoint, tmp_path):
    directory = tiny_checkpoint[0]
    (tmp_path / "texts.json").write_text(json.dumps(CORPUS))
    (tmp_path / "bad").mkdir()
    results = _two_processes(directory, tmp_path / "texts.json", tmp_path / "bad")
    assert all(code != 0 for code, _, _ in results)
    assert "text 1 ('') has no tokens of its own" in results[1][2]
    assert "process(es) [1] stopped on bad input" in results[0][2]
