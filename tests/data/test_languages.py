"""ISO 639 mapping and matching requested languages against those a source has."""

import pytest

from alignscope.errors import AlignscopeError
from alignscope.data import languages


@pytest.mark.parametrize(
    "code, iso1",
    [("en", "en"), ("eng", "en"), ("ENG", "en"), (" hin ", "hi"), ("arb", "ar"), ("ara", "ar"), ("fra", "fr"),
     ("spa", "es"), ("rus", "ru"), ("srp", "sr"), ("tgl", "tl"), ("fil", "tl"), ("zho", "zh"), ("cmn", "zh"),
     ("deu", "de"), ("ukr", "uk"), ("amh", "am"), ("ita", "it"), ("heb", "he"), ("jpn", "ja"), ("tat", "tt"),
     ("English", "en"), ("Tagalog", "tl"), ("Hinglish", "Hinglish"), ("xx-custom", "xx-custom")],
)
def test_to_iso1(code, iso1):
    assert languages.to_iso1(code) == iso1


def test_every_iso3_code_maps_back():
    for iso1, iso3 in languages.ISO1_TO_ISO3.items():
        assert languages.to_iso1(iso3) == iso1 and languages.is_language(iso3) and languages.is_language(iso1)
    assert not languages.is_language("mydata") and not languages.is_language("train")


def test_resolve_accepts_either_form_in_requested_order():
    assert languages.resolve(["hin", "eng", "en"], ["en", "hi", "zh"], "src") == ["hi", "en"]


def test_resolve_keeps_a_sources_own_split_names():
    # TextDetox: `hin` is Hinglish, `hi` is Hindi; an exact match must win over the ISO mapping.
    present = ["en", "hi", "hin"]
    assert languages.resolve(["hin"], present, "src") == ["hin"]
    assert languages.resolve(["hi"], present, "src") == ["hi"]


def test_resolve_unknown_language_lists_present():
    with pytest.raises(AlignscopeError, match=r"unknown language 'fr' for src; languages present: en, zh"):
        languages.resolve(["fr"], ["en", "zh"], "src")


def test_source_codes_map_without_merging_codes_the_source_keeps_apart():
    assert languages.source_codes(["English", "deu"], "src") == {"English": "en", "deu": "de"}
    # An exact ISO 639-1 code wins: `hin` next to `hi` is a different set (TextDetox's Hinglish).
    assert languages.source_codes(["hi", "hin", "en"], "src") == {"hi": "hi", "hin": "hin", "en": "en"}
    assert languages.source_codes(["hin"], "src") == {"hin": "hi"}
    assert languages.source_codes(["hin"], "src", keep={"hin"}) == {"hin": "hin"}
    assert languages.source_codes([" EN", "en", "train"], "src") == {" EN": "en", "en": "en", "train": "train"}
    with pytest.raises(AlignscopeError, match=r"language codes 'eng', 'english' in src would become one language 'en'"):
        languages.source_codes(["eng", "English"], "src")


def test_resolve_never_maps_a_reserved_split_name():
    reserved = {"hin": "TextDetox Hinglish; Hindi is 'hi'"}
    expected = r"'hin' \(TextDetox Hinglish; Hindi is 'hi'\) is not in src; languages present: en, hi"
    with pytest.raises(AlignscopeError, match=expected):
        languages.resolve(["hin"], ["en", "hi"], "src", reserved)
    assert languages.resolve(["hin", "hindi"], ["hi", "hin"], "src", reserved) == ["hin", "hi"]
