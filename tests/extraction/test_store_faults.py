"""Faults in the activation store: runs killed with SIGKILL at every stage resume to the
uninterrupted result; two runs on one store agree; damaged, foreign and older-format stores
are rebuilt with a message, never misread."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from alignscope import engine
from alignscope.runtime.store import STORE_FORMAT, ActivationStore
from tests.extraction.test_store import CORPUS

# A subprocess extraction (batch size 2: 24 batches) that SIGKILLs itself at one stage.
KILLED_RUN = textwrap.dedent("""
    import json, os, signal, sys
    from alignscope import engine
    from alignscope.runtime import store
    directory, texts_file, cache, stage = sys.argv[1:]
    texts = json.load(open(texts_file))
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    calls = []
    write_chunk, write_atomically, replace = (store.ActivationStore.write_chunk, store._write_atomically,
                                              store.os.replace)

    def patched_write_chunk(self, rows, values):
        calls.append(1)
        if stage == "before-first-chunk":
            die()
        if stage == "torn-manifest-line" and len(calls) == 5:
            with open(self._manifest(), "a") as manifest:
                manifest.write('{"chunk": "p0-torn.npy", "rows": [1, 2')
            die()
        write_chunk(self, rows, values)

    def patched_write_atomically(path, data):
        if stage == "during-chunk-write" and path.parent.name == "chunks" and len(calls) == 7:
            with open(path.with_name(f".{path.name}.half.tmp"), "wb") as handle:
                handle.write(data[:len(data) // 2])
            die()
        if stage == "before-complete-record" and path.name == store.COMPLETE_FILE:
            die()
        write_atomically(path, data)

    def patched_replace(source, target):
        if stage == "during-merge" and str(target).endswith(store.ACTIVATIONS_FILE):
            die()
        replace(source, target)

    store.ActivationStore.write_chunk = patched_write_chunk
    store._write_atomically = patched_write_atomically
    store.os.replace = patched_replace
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    engine.extract(model, tokenizer, texts, batch_size=2, max_length=64, store=cache)
""")
STAGES = ("before-first-chunk", "torn-manifest-line", "during-chunk-write", "during-merge", "before-complete-record")


def _killed_run(directory, tmp_path, stage: str):
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(CORPUS))
    run = subprocess.run([sys.executable, "-c", KILLED_RUN, str(directory), str(texts_file), str(tmp_path / "cache"),
                          stage], capture_output=True, text=True, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    (store_dir,) = [path for path in (tmp_path / "cache").iterdir() if path.is_dir()]
    assert not (store_dir / "complete.json").exists()
    return store_dir


@pytest.fixture(scope="module")
def uninterrupted(tiny_checkpoint):
    model, tokenizer = engine.load_model(tiny_checkpoint[0]), engine.load_tokenizer(tiny_checkpoint[0])
    return engine.extract(model, tokenizer, CORPUS, batch_size=2, max_length=64)


@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_any_stage_resumes_to_the_uninterrupted_result(tiny_checkpoint, tmp_path, stage, uninterrupted):
    directory = tiny_checkpoint[0]
    store_dir = _killed_run(directory, tmp_path, stage)
    done_before = sum(len(chunk.rows) for chunk in ActivationStore(store_dir).chunks())
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    resumed = engine.run_extraction(model, tokenizer, CORPUS, batch_size=2, max_length=64, store=tmp_path / "cache")
    assert resumed.store_dir == store_dir
    # Every text is computed once across the two runs: none lost, none read twice.
    assert resumed.stats.computed_texts == len(CORPUS) - done_before
    np.testing.assert_array_equal(np.asarray(resumed.activations), uninterrupted)
    assert not list(store_dir.rglob("*.tmp")) and not list((store_dir / "chunks").iterdir())


def test_a_corrupt_chunk_is_recomputed_and_another_batch_size_resumes(tiny_checkpoint, tmp_path, uninterrupted):
    directory = tiny_checkpoint[0]
    store_dir = _killed_run(directory, tmp_path, "torn-manifest-line")
    chunks = sorted((store_dir / "chunks").glob("*.npy"))
    assert len(chunks) == 4
    with open(chunks[0], "r+b") as handle:  # Flip bytes inside the data of one chunk.
        handle.seek(-8, os.SEEK_END)
        handle.write(b"\xff" * 8)
    assert len(ActivationStore(store_dir).chunks()) == 3
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    done_before = sum(len(chunk.rows) for chunk in ActivationStore(store_dir).chunks())
    resumed = engine.run_extraction(model, tokenizer, CORPUS, batch_size=5, max_length=64, store=tmp_path / "cache")
    assert resumed.store_dir == store_dir and resumed.stats.computed_texts == len(CORPUS) - done_before
    np.testing.assert_allclose(np.asarray(resumed.activations), uninterrupted, atol=1e-6, rtol=0)


TWO_AT_ONCE = textwrap.dedent("""
    import json, sys
    import numpy as np
    from alignscope import engine
    directory, texts_file, cache, out = sys.argv[1:]
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    result = engine.run_extraction(model, tokenizer, json.load(open(texts_file)), batch_size=2, max_length=64, store=cache)
    np.save(out, np.asarray(result.activations))
    print("COMPUTED", result.stats.computed_texts)
""")


def test_two_processes_on_one_store_both_finish_with_the_same_result(tiny_checkpoint, tmp_path, uninterrupted):
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(CORPUS))
    runs = [subprocess.Popen([sys.executable, "-c", TWO_AT_ONCE, str(tiny_checkpoint[0]), str(texts_file),
                              str(tmp_path / "cache"), str(tmp_path / f"out{k}.npy")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err[-1500:] for _, err in outputs]
    computed = sorted(int(out.split("COMPUTED")[1]) for out, _ in outputs)
    assert computed == [0, len(CORPUS)]  # one computed everything, the other waited and read it
    for k in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f"out{k}.npy"), uninterrupted)


def _complete_store(tiny_checkpoint, tmp_path):
    model, tokenizer = engine.load_model(tiny_checkpoint[0]), engine.load_tokenizer(tiny_checkpoint[0])
    first = engine.run_extraction(model, tokenizer, CORPUS[:6], max_length=64, store=tmp_path / "cache")
    return model, tokenizer, first


def _rerun_warns(model, tokenizer, tmp_path, caplog, message):
    with caplog.at_level(logging.WARNING, logger="alignscope.runtime.store"):
        again = engine.run_extraction(model, tokenizer, CORPUS[:6], max_length=64, store=tmp_path / "cache")
    assert again.stats.computed_texts == 6, "the store was read instead of rebuilt"
    assert any(message in record.getMessage() for record in caplog.records), caplog.text
    return again


def test_an_older_store_format_is_rebuilt_with_a_message(tiny_checkpoint, tmp_path, caplog):
    model, tokenizer, first = _complete_store(tiny_checkpoint, tmp_path)
    spec_path = first.store_dir / "spec.json"
    spec = json.loads(spec_path.read_text())
    spec_path.write_text(json.dumps({**spec, "format": STORE_FORMAT - 1}))
    again = _rerun_warns(model, tokenizer, tmp_path, caplog, f"store format {STORE_FORMAT - 1}")
    np.testing.assert_array_equal(np.asarray(again.activations), np.asarray(first.activations))
    assert json.loads(spec_path.read_text())["format"] == STORE_FORMAT


def test_a_store_under_another_fingerprint_is_never_reused(tiny_checkpoint, tmp_path, caplog):
    model, tokenizer, first = _complete_store(tiny_checkpoint, tmp_path)
    other = engine.run_extraction(model, tokenizer, CORPUS[6:12], max_length=64, store=tmp_path / "cache")
    # Put the other texts' complete store where this key's store belongs.
    shutil.rmtree(first.store_dir)
    shutil.copytree(other.store_dir, first.store_dir)
    again = _rerun_warns(model, tokenizer, tmp_path, caplog, "whose fingerprint is not its name")
    np.testing.assert_array_equal(np.asarray(again.activations), np.asarray(first.activations))


def test_damaged_activations_are_recomputed_with_a_message(tiny_checkpoint, tmp_path, caplog):
    model, tokenizer, first = _complete_store(tiny_checkpoint, tmp_path)
    expected = np.array(first.activations)
    activations = first.store_dir / "activations.npy"
    activations.write_bytes(activations.read_bytes()[:-100])
    again = _rerun_warns(model, tokenizer, tmp_path, caplog, "is damaged")
    np.testing.assert_array_equal(np.asarray(again.activations), expected)
