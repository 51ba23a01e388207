"""Reading table files, hub-layout split discovery, cell parsing and generic column choices."""

import numpy as np
import pandas as pd
import pytest

from alignscope.errors import AlignscopeError
from alignscope.data import tables


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".tsv", ".jsonl", ".json"])
def test_read_table_round_trips(tmp_path, write, suffix):
    frame = pd.DataFrame({"text": ["a, \"quoted\"", "NA", "日本語"], "label": [1, 0, 1]})
    read = tables.read_table(write(frame, tmp_path / f"t{suffix}"))
    assert read["text"].tolist() == frame["text"].tolist()  # "NA" stays a text
    assert tables.parse_labels(read["label"], "t").tolist() == [1, 0, 1]
    assert list(tables.read_columns(tmp_path / f"t{suffix}")) == ["text", "label"]


def test_read_table_rejects_unknown_suffix(tmp_path):
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(AlignscopeError, match="accepted table files end in"):
        tables.read_table(tmp_path / "t.xlsx")


@pytest.mark.parametrize(
    "name, in_data, split",
    [("en.parquet", False, "en"), ("en-00000-of-00001.parquet", True, "en"), ("hin-train.csv", True, "hin"),
     ("aya_eng.jsonl", False, "aya_eng"), ("en-00000-of-00003.parquet", False, "en")],
)
def test_split_name(tmp_path, name, in_data, split):
    assert tables.split_name(tmp_path / name, in_data) == split


def test_split_files_finds_both_layouts_and_shards(tmp_path, write):
    frame = pd.DataFrame({"text": ["x"], "toxic": [1]})
    write(frame, tmp_path / "de.parquet")
    write(frame, tmp_path / "data" / "en-00000-of-00002.parquet")
    write(frame, tmp_path / "data" / "en-00001-of-00002.parquet")
    (tmp_path / "README.md").write_text("card")
    (tmp_path / "dataset_info.json").write_text("{}")
    files = tables.split_files(tmp_path)
    assert list(files) == ["de", "en"]
    assert [p.name for p in files["en"]] == ["en-00000-of-00002.parquet", "en-00001-of-00002.parquet"]


def test_split_files_errors(tmp_path, write):
    with pytest.raises(AlignscopeError, match="no table files in"):
        tables.split_files(tmp_path)
    frame = pd.DataFrame({"text": ["x"], "toxic": [1]})
    write(frame, tmp_path / "en.parquet")
    write(frame, tmp_path / "en.csv")
    with pytest.raises(AlignscopeError, match="several formats"):
        tables.split_files(tmp_path)


@pytest.mark.parametrize(
    "value, categories",
    [('["Violence, Threats & Incitement", "Hate Speech"]', ("Violence, Threats & Incitement", "Hate Speech")),
     ("['Profanity']", ("Profanity",)), (["Self-Harm", " "], ("Self-Harm",)), (np.array(["A"]), ("A",)),
     ("Hate Speech", ("Hate Speech",)), ("", ()), (None, ()), (float("nan"), ()), ("[broken", ("[broken",))],
)
def test_parse_categories(value, categories):
    assert tables.parse_categories(value) == categories


def test_parse_labels():
    assert tables.parse_labels(pd.Series([1, 0, True, "1", 0.0]), "t").tolist() == [1, 0, 1, 1, 0]
    with pytest.raises(AlignscopeError, match="must be 0 or 1 .* found 'yes', 2"):
        tables.parse_labels(pd.Series([1, 2, "yes"]), "t")
    with pytest.raises(AlignscopeError, match="1 rows of t have no label"):
        tables.parse_labels(pd.Series([1, None]), "t")


def test_column_choices_reject_unknown_options():
    with pytest.raises(AlignscopeError, match=r"unknown option\(s\) txt_column; accepted: text_column"):
        tables.ColumnChoices().override({"txt_column": "x"})


def test_canonical_frame_defaults_and_choices():
    table = pd.DataFrame(
        {"prompt": ["a", "b"], "harmful": [1, 0], "language": ["eng", "hin"], "harm_category": ['["X"]', None],
         "parallel_id": [7, 7], "split": ["train", "test"]}
    )
    frame = tables.canonical_frame(table, "t", tables.ColumnChoices(text_column="prompt", label_column="harmful"))
    assert frame["lang"].tolist() == ["eng", "hin"]  # as written; mapped once the whole source is read
    assert frame["harm_categories"].tolist() == [("X",), ()]
    assert frame["parallel_id"].tolist() == ["7", "7"]
    assert frame["split"].tolist() == ["train", "test"]
    assert "pair_id" not in frame and "global_or_local" not in frame


def test_canonical_frame_missing_columns_list_columns():
    table = pd.DataFrame({"prompt": ["a"], "label": [1]})
    expected = r"no column 'text' in t \(choose one with text_column=\); columns: prompt, label"
    with pytest.raises(AlignscopeError, match=expected):
        tables.canonical_frame(table, "t", tables.ColumnChoices())
    with pytest.raises(AlignscopeError, match="no language column .* columns: prompt, label; pass lang_column"):
        tables.canonical_frame(table, "t", tables.ColumnChoices(text_column="prompt"))
    with pytest.raises(AlignscopeError, match=r"no column 'lng' in t \(choose one with lang_column=\)"):
        tables.canonical_frame(table, "t", tables.ColumnChoices(text_column="prompt", lang_column="lng"))
