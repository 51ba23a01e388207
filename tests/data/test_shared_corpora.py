"""The real TextDetox copies in ../shared/data (skipped with a reason when absent)."""

import pytest

from alignscope.errors import AlignscopeError
from alignscope.data import load_corpus

LANGS = ["en", "zh", "hi", "de"]


def test_real_toxicity(shared_data):
    corpus = load_corpus(shared_data / "textdetox" / "multilingual_toxicity_dataset", langs=LANGS)
    assert corpus.languages == LANGS
    assert corpus.class_counts() == {lang: {0: 2500, 1: 2500} for lang in LANGS}
    assert corpus.empty_dropped == {}
    duplicates = corpus.duplicate_counts()  # reported and kept, so every language keeps 5,000 rows
    assert duplicates["de"] > 100 and duplicates.get("zh", 0) == 0


def test_real_paradetox(shared_data):
    corpus = load_corpus(shared_data / "textdetox" / "multilingual_paradetox", langs=LANGS)
    assert corpus.class_counts() == {lang: {0: 400, 1: 400} for lang in LANGS}
    for lang, part in corpus.by_language().items():
        assert len(set(part.pair_ids)) == 400, lang


def test_real_sampling_is_balanced(shared_data):
    corpus = load_corpus(shared_data / "textdetox" / "multilingual_toxicity_dataset", langs=["hi", "de"], per_class=250)
    assert corpus.class_counts() == {"hi": {0: 250, 1: 250}, "de": {0: 250, 1: 250}}
    paired = load_corpus(shared_data / "textdetox" / "multilingual_paradetox", langs=["zh"], per_class=100, seed=5)
    assert paired.class_counts() == {"zh": {0: 100, 1: 100}} and len(set(paired.pair_ids)) == 100


def test_real_toxicity_has_no_hinglish(shared_data):
    expected = r"'hin' \(TextDetox Hinglish; Hindi is 'hi'\) is not in .*languages present: de, en, hi, zh"
    with pytest.raises(AlignscopeError, match=expected):
        load_corpus(shared_data / "textdetox" / "multilingual_toxicity_dataset", langs=["hin"])
