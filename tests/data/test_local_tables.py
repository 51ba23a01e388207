"""Any local CSV/JSONL/parquet table, read by column choices."""

import pandas as pd
import pytest

from alignscope.errors import AlignscopeError
from alignscope.data import load_corpus


@pytest.fixture
def mixed_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "prompt": ["how to x", "how to y", "wie x", "wie y", "como x", "como y"],
            "is_harmful": [1, 0, 1, 0, 1, 0],
            "language_code": ["eng", "eng", "deu", "deu", "spa", "spa"],
            "split": ["train", "test"] * 3,
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".json"])
def test_column_choices(tmp_path, write, mixed_table, suffix):
    path = write(mixed_table, tmp_path / f"mixed{suffix}")
    corpus = load_corpus(path, text_column="prompt", label_column="is_harmful", lang_column="language_code")
    assert corpus.languages == ["en", "de", "es"]
    assert corpus.texts == mixed_table["prompt"].tolist()
    assert corpus.labels.tolist() == mixed_table["is_harmful"].tolist()


def test_split_and_langs(tmp_path, write, mixed_table):
    path = write(mixed_table, tmp_path / "mixed.csv")
    choices = {"text_column": "prompt", "label_column": "is_harmful", "lang_column": "language_code"}
    corpus = load_corpus(path, split="train", langs=["es", "en"], **choices)
    assert corpus.texts == ["como x", "how to x"]
    with pytest.raises(AlignscopeError, match="unknown split 'dev' .* splits present: train, test"):
        load_corpus(path, split="dev", **choices)
    with pytest.raises(AlignscopeError, match="unknown language 'fr' .* languages present: en, de, es"):
        load_corpus(path, langs=["fr"], **choices)


def test_missing_column_lists_columns(tmp_path, write, mixed_table):
    path = write(mixed_table, tmp_path / "mixed.parquet")
    with pytest.raises(AlignscopeError, match=r"no column 'text' .*columns: prompt, is_harmful, language_code, split"):
        load_corpus(path)
    with pytest.raises(AlignscopeError, match=r"no column 'label' .*\(choose one with label_column=\)"):
        load_corpus(path, text_column="prompt")


def test_language_choice_for_a_table_without_one(tmp_path, write):
    path = write(pd.DataFrame({"text": ["a", "b"], "label": [1, 0]}), tmp_path / "mine.csv")
    assert load_corpus(path, language="deu").languages == ["de"]
    with pytest.raises(AlignscopeError, match="no language column .* pass lang_column=NAME or language=CODE"):
        load_corpus(path)


def test_directory_of_generic_tables_uses_file_names_as_languages(tmp_path, write):
    write(pd.DataFrame({"text": ["a", "b"], "label": [1, 0]}), tmp_path / "d" / "fra.csv")
    write(pd.DataFrame({"text": ["c", "d"], "label": [0, 1]}), tmp_path / "d" / "en.csv")
    corpus = load_corpus(tmp_path / "d", label_column="label")
    assert corpus.languages == ["en", "fr"] and corpus.texts == ["c", "d", "a", "b"]


def test_directory_of_split_files_with_a_language_column(tmp_path, write):
    write(pd.DataFrame({"text": ["a", "b"], "label": [1, 0], "lang": "en"}), tmp_path / "d" / "train.jsonl")
    write(pd.DataFrame({"text": ["c", "d"], "label": [1, 0], "lang": "en"}), tmp_path / "d" / "test.jsonl")
    assert load_corpus(tmp_path / "d", split="test", text_column="text").texts == ["c", "d"]


def test_optional_columns_and_empty_texts(tmp_path, write):
    table = pd.DataFrame(
        {"text": ["x", None, "y", "z"], "label": [1, 0, 0, 1], "lang": "en", "parallel_id": [1, 2, 3, 4],
         "harm_category": ["Violence", "", None, '["A", "B"]'], "global_or_local": ["global", None, "local", None]}
    )
    corpus = load_corpus(write(table, tmp_path / "t.parquet"))
    assert corpus.texts == ["x", "y", "z"]
    assert corpus.empty_dropped == {"en": 1}
    assert corpus.parallel_ids == ["1", "3", "4"]
    assert corpus.harm_categories == [("Violence",), (), ("A", "B")]
    assert corpus.global_or_local == ["global", "local", None]


def test_bad_paths_and_options(tmp_path):
    with pytest.raises(AlignscopeError, match="no such file or directory: .*missing.csv; a source is 'demo'"):
        load_corpus(str(tmp_path / "missing.csv"))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(AlignscopeError, match="is not a table file"):
        load_corpus(tmp_path / "notes.txt")
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(AlignscopeError, match="cannot read .*broken.parquet"):
        load_corpus(tmp_path / "broken.parquet", language="en")
    with pytest.raises(AlignscopeError, match="unknown option"):
        load_corpus(tmp_path / "notes.txt", textcolumn="x")


def test_hinglish_file_is_not_merged_into_hindi(tmp_path, write):
    # Column choices on a TextDetox-shaped copy keep its handling: `hin` (Hinglish) stays apart.
    root = tmp_path / "toxicity"
    for lang in ("hi", "hin", "en"):
        write(pd.DataFrame({"text": [f"{lang} a", f"{lang} b"], "toxic": [1, 0]}), root / f"{lang}.parquet")
    corpus = load_corpus(root, label_column="toxic")
    assert corpus.languages == ["en", "hi", "hin"]
    assert corpus.select("hin").texts == ["hin a", "hin b"] and corpus.select("hi").texts == ["hi a", "hi b"]
    # A generic directory: an exact code wins over the ISO mapping, so `hin` next to `hi` stays apart.
    generic = tmp_path / "generic"
    for lang in ("hi", "hin"):
        write(pd.DataFrame({"text": [f"{lang} a"], "label": [1]}), generic / f"{lang}.csv")
    assert load_corpus(generic).languages == ["hi", "hin"]
    write(pd.DataFrame({"text": ["x"], "label": [1]}), tmp_path / "alone" / "hin.csv")
    assert load_corpus(tmp_path / "alone").languages == ["hi"]  # nothing to keep apart: ISO 639-3 `hin` is Hindi


def test_language_column_codes_are_not_merged(tmp_path, write):
    table = pd.DataFrame({"text": ["a", "b", "c"], "label": [1, 0, 1], "lang": ["hi", "hin", "hi"]})
    corpus = load_corpus(write(table, tmp_path / "t.csv"))
    assert corpus.languages == ["hi", "hin"] and corpus.select("hin").texts == ["b"]
    table["lang"] = ["eng", "English", "eng"]
    with pytest.raises(AlignscopeError, match="would become one language 'en'"):
        load_corpus(write(table, tmp_path / "u.csv"))


def test_family_shaped_table_uses_its_language_column(tmp_path, write):
    table = pd.DataFrame({"text": ["a", "b", "c", "d"], "toxic": [1, 0, 1, 0], "lang": ["en", "en", "de", "de"]})
    corpus = load_corpus(write(table, tmp_path / "mydata.csv"))
    assert corpus.languages == ["en", "de"] and corpus.class_counts() == {"en": {0: 1, 1: 1}, "de": {0: 1, 1: 1}}
    no_lang = write(table.drop(columns="lang"), tmp_path / "other.csv")
    with pytest.raises(AlignscopeError, match="no language for .*other.csv.* pass lang_column=NAME or language=CODE"):
        load_corpus(no_lang)
    assert load_corpus(no_lang, language="deu").languages == ["de"]  # TextDetox's `toxic` label still understood


def test_empty_language_cell_is_an_error(tmp_path, write):
    table = pd.DataFrame({"text": ["a", "b", "c"], "label": [1, 0, 1], "lang": ["en", None, " "]})
    with pytest.raises(AlignscopeError, match=r"2 rows of .*t.csv \(column 'lang'\) have no language"):
        load_corpus(write(table, tmp_path / "t.csv"))


def test_csv_texts_and_ids_are_read_as_written(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label,lang,parallel_id\n007,1,en,01\n1e3,0,en,02\n", encoding="utf-8")
    corpus = load_corpus(path)
    assert corpus.texts == ["007", "1e3"] and corpus.parallel_ids == ["01", "02"]
    assert corpus.labels.tolist() == [1, 0]


def test_jsonl_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('\ufeff{"text": "a", "label": 1, "lang": "en"}\n{"text": "b", "label": 0, "lang": "en"}\n',
                    encoding="utf-8")
    assert load_corpus(path).texts == ["a", "b"]


def test_column_choice_values(tmp_path, write):
    path = write(pd.DataFrame({"text": ["a"], "label": [1], "lang": ["en"]}), tmp_path / "t.csv")
    assert load_corpus(path, text_column=None, label_column=None).texts == ["a"]  # None: the default
    with pytest.raises(AlignscopeError, match="text_column must be a str .* not 5"):
        load_corpus(path, text_column=5)
