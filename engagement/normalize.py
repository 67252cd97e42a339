"""Name normalisation for the duplicate guard.

Two spellings of one organization should produce the same key: full- and half-width forms,
case, spacing and punctuation are folded (Unicode NFKC, casefold), and legal-form words such as
株式会社, Co., Ltd., Sdn Bhd or Public Company Limited are dropped wherever they stand.
"""

from __future__ import annotations

import re
import unicodedata

# Japanese legal forms are written without spaces around them, so they go as substrings.
_JA_LEGAL_FORMS = (
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "一般社団法人",
    "公益財団法人",
)
# Written abbreviations that NFKC leaves as a lone character once punctuation is gone: (株) ㈱ (有)
_JA_LEGAL_TOKENS = {"株", "有"}
_MULTI_WORD_FORMS: tuple[tuple[str, ...], ...] = (
    ("public", "company", "limited"),
    ("joint", "stock", "company"),
    ("company", "limited"),
    ("sdn", "bhd"),
    ("pte", "ltd"),
    ("co", "ltd"),
)
_SINGLE_WORD_FORMS = {
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "co",
    "kk",
    "pt",
    "tbk",
    "pcl",
    "jsc",
    "llc",
    "plc",
    "bhd",
    "berhad",
    "pte",
    "gk",
    "gmbh",
}
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # Punctuation and symbols separate words; they never distinguish two organizations.
    return "".join(" " if unicodedata.category(ch)[0] in {"P", "S", "Z"} else ch for ch in text)


def _drop_multi_word_forms(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for form in _MULTI_WORD_FORMS:
            if tuple(tokens[i : i + len(form)]) == form:
                i += len(form)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def normalize_name(name: str) -> str:
    """Return the comparison key for an organization name ("" for a blank name)."""
    folded = _fold(name or "")
    for form in _JA_LEGAL_FORMS:
        folded = folded.replace(form, " ")
    tokens = _drop_multi_word_forms(_SPACES.split(folded.strip()))
    kept = [t for t in tokens if t and t not in _SINGLE_WORD_FORMS and t not in _JA_LEGAL_TOKENS]
    key = "".join(kept)
    # A name made only of legal-form words still needs a key of its own.
    return key or "".join(_SPACES.split(folded.strip()))


def normalize_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def has_japanese(text: str) -> bool:
    """True when text holds kana or CJK ideographs (used to sort synonyms by language)."""
    for ch in text:
        code = ord(ch)
        if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0xFF66 <= code <= 0xFF9F:
            return True
    return False


# Letters that are not an ASCII letter plus accents, so stripping combining marks leaves them:
# Vietnamese đ (Đà Nẵng), and a few European ones.
_BASE_LETTERS = str.maketrans({"đ": "d", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe"})
_KANA_VOICING = {"\u3099", "\u309a"}
_HIRAGANA = range(0x3041, 0x3097)
_KATAKANA_SHIFT = 0x60


def search_key(*parts: str) -> str:
    """The text a search compares: case, accents, width and kana script folded away, so `Nang`
    and `Nẵng` both find Đà Nẵng, and `disco`, `DISCO`, `ディスコ` and half-width `ﾃﾞｨｽｺ` all
    find DISCO. NFKC turns half-width katakana and full-width Latin into their usual forms;
    hiragana becomes katakana; punctuation separates words. The same function keys the stored
    `search_text` columns and the words typed into the search box."""
    text = unicodedata.normalize("NFKC", " ".join(p for p in parts if p)).casefold()
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFD", text)
        if not unicodedata.combining(ch) or ch in _KANA_VOICING
    )
    # Recompose the kana the voiced-sound marks were kept for (デ, パ): they are not accents.
    text = unicodedata.normalize("NFC", text).translate(_BASE_LETTERS)
    text = "".join(chr(ord(ch) + _KATAKANA_SHIFT) if ord(ch) in _HIRAGANA else ch for ch in text)
    text = "".join(" " if unicodedata.category(ch)[0] in {"P", "S", "Z"} else ch for ch in text)
    return " ".join(text.split())


def name_tokens(name: str) -> list[str]:
    """The words of an organization name as the duplicates view compares them: folded as by
    `search_key` (case, accents, width, kana script) and without legal-form words."""
    text = search_key(name)
    for form in _JA_LEGAL_FORMS:
        text = text.replace(form, " ")
    tokens = _drop_multi_word_forms(text.split())
    kept = [t for t in tokens if t not in _SINGLE_WORD_FORMS and t not in _JA_LEGAL_TOKENS]
    return kept or tokens
