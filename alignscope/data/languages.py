"""Language codes: alignscope speaks ISO 639-1 (`en`, `hi`, `zh`); users and sources may use ISO 639-3.

`to_iso1` maps a code or English language name to ISO 639-1 where it knows it and leaves anything
else as it is. `source_codes` maps all of a source's codes at once without merging two that the
source keeps apart. `resolve` matches what a user typed against the languages a source really has: an
exact match wins, so a source's own split name that is not a language code keeps its meaning
(TextDetox's `hin` split is Hinglish, a different set from Hindi `hi`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from alignscope.errors import AlignscopeError

ISO1_TO_ISO3: dict[str, str] = {
    "am": "amh",
    "ar": "arb",
    "bn": "ben",
    "de": "deu",
    "en": "eng",
    "es": "spa",
    "fa": "fas",
    "fr": "fra",
    "he": "heb",
    "hi": "hin",
    "id": "ind",
    "it": "ita",
    "ja": "jpn",
    "ko": "kor",
    "nl": "nld",
    "pl": "pol",
    "pt": "por",
    "ru": "rus",
    "sr": "srp",
    "sw": "swa",
    "tl": "tgl",
    "tr": "tur",
    "tt": "tat",
    "uk": "ukr",
    "ur": "urd",
    "vi": "vie",
    "zh": "zho",
}

# Other spellings of the same languages: macro-language and bibliographic 639 codes, and the
# English names some sources write in a `language` field (Aya red-teaming: "English", ...).
_OTHER_NAMES: dict[str, str] = {
    "ara": "ar",
    "cmn": "zh",
    "chi": "zh",
    "fil": "tl",
    "fre": "fr",
    "ger": "de",
    "per": "fa",
    "dut": "nl",
    "amharic": "am",
    "arabic": "ar",
    "chinese": "zh",
    "english": "en",
    "filipino": "tl",
    "french": "fr",
    "german": "de",
    "hebrew": "he",
    "hindi": "hi",
    "italian": "it",
    "japanese": "ja",
    "russian": "ru",
    "serbian": "sr",
    "spanish": "es",
    "tagalog": "tl",
    "tatar": "tt",
    "ukrainian": "uk",
}

_TO_ISO1: dict[str, str] = {iso3: iso1 for iso1, iso3 in ISO1_TO_ISO3.items()} | _OTHER_NAMES


def to_iso1(code: str) -> str:
    """The ISO 639-1 code of `code` (a 639-1 or 639-3 code or an English name), else `code` as is.

    Case and surrounding spaces are ignored for known codes: `to_iso1("ENG") == "en"`.
    """
    key = code.strip().lower()
    if key in ISO1_TO_ISO3:
        return key
    return _TO_ISO1.get(key, code.strip())


def is_language(code: str) -> bool:
    """Whether `code` names a language alignscope knows (a 639-1 or 639-3 code or an English name)."""
    return to_iso1(code) in ISO1_TO_ISO3


def source_codes(codes: Iterable[str], source: str, keep: Collection[str] = ()) -> dict[str, str]:
    """The language alignscope calls each of a source's own language codes, never merging two.

    A code becomes its ISO 639-1 form (`eng` -> `en`) unless it is in `keep` (a source's split
    names that are not language codes, such as TextDetox's Hinglish `hin`) or that form is itself
    one of `codes`: an exact code wins, so `hin` next to `hi` stays `hin`. Codes differing only in
    case or surrounding spaces are one code (`EN`, `en`).

    Raises:
      AlignscopeError: two different codes would become one language (`eng` and `English`).
    """
    codes = set(codes)
    written = {code.strip().lower() for code in codes}
    mapping: dict[str, str] = {}
    for code in codes:
        iso1 = to_iso1(code)
        taken = iso1 != code.strip().lower() and iso1 in written
        mapping[code] = code.strip() if code in keep or taken else iso1
    sources: dict[str, set[str]] = {}
    for code, lang in mapping.items():
        sources.setdefault(lang, set()).add(code.strip().lower())
    for lang, spellings in sources.items():
        if len(spellings) > 1:
            raise AlignscopeError(
                f"language codes {', '.join(map(repr, sorted(spellings)))} in {source} would become one "
                f"language {lang!r}; write each language one way (an ISO 639-1 or 639-3 code, or its English name)"
            )
    return mapping


def resolve(
    requested: Iterable[str], present: Sequence[str], source: str, reserved: Mapping[str, str] | None = None
) -> list[str]:
    """The languages of `present` that `requested` names, in the requested order, without repeats.

    Each requested code matches a present language exactly, or else through `to_iso1`
    (`"hin"` finds `"hi"` unless the source itself has a `"hin"`). A code in `reserved` (a
    source's own split name that is not a language code, with what it is) matches only itself.

    Raises:
      AlignscopeError: a requested language is not present; the message lists those present.
    """
    if isinstance(requested, str):
        requested = [requested]
    reserved = reserved or {}
    listed = ", ".join(present) or "none"
    chosen: list[str] = []
    for code in requested:
        match = code if code in present or code in reserved else to_iso1(code)
        if match not in present:
            if code in reserved:
                raise AlignscopeError(f"{code!r} ({reserved[code]}) is not in {source}; languages present: {listed}")
            raise AlignscopeError(f"unknown language {code!r} for {source}; languages present: {listed}")
        if match not in chosen:
            chosen.append(match)
    if not chosen:
        raise AlignscopeError(f"no language requested for {source}; languages present: {listed}")
    return chosen
