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
