"""ISO 639 mapping and matching requested languages against those a source has."""

import pytest

from alignscope.errors import AlignscopeError
from engine.data import languages


@pytest.mark.parametrize(
    "code, iso1",
    [("en", "en"), ("eng", "en"), ("ENG", "en"), (" hin ", "hi"), ("arb", "ar"), ("ara", "ar"), ("fra", "fr"),
     ("spa", "es"), ("rus", "ru"), ("srp", "sr"), ("tgl", "tl"), ("fil", "tl"), ("zho", "zh"), ("cmn", "zh"),
     ("deu", "de"), ("ukr", "uk"), ("amh", "am"), ("ita", "it"), ("heb", "he"), ("jpn", "ja"), ("tat", "tt"),
     ("English", "en"), ("Tagalog", "tl"), ("Hinglish", "Hinglish"), ("xx-custom", "xx-custom")],
)
def test_to_iso1(code, iso1):
    assert languages.to_iso1(code) == iso1


def test_to_iso3_round_trips():
    for iso1, iso3 in languages.ISO1_TO_ISO3.items():
        assert languages.to_iso3(iso1) == iso3
        assert languages.to_iso1(iso3) == iso1
    assert languages.to_iso3("ar") == "arb"
    assert languages.to_iso3("unknown") == "unknown"


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
