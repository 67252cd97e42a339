"""Text signals that need no word segmentation and no model: pure functions.

Two tools, both language-independent:

- A capability tagger built from the taxonomy's bilingual labels and synonyms. It finds
  「フォトレジスト」 in a Japanese description and "photoresist" in an English one and answers the
  same code (MAT.RESIST) for both, which is how a Japanese-only profile meets an English need.
- Hashed character n-grams (trigrams everywhere, bigrams between non-ASCII characters, the unit of
  a Japanese compound such as 薬液) for a plain similarity of two descriptions in the same
  language. Hashing keeps the vector's width fixed, so it can sit in a dense matrix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np

NGRAM_DIM = 512
# Multipliers of the rolling hash (primes; code points are below 2**21, so products stay far
# below 2**63).
_H1, _H2, _H3 = 1_000_003, 7_919, 104_729
_BIGRAM_SALT = 2_654_435_761
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC (full-width Latin and half-width kana become their usual forms), lower case, and
    punctuation folded into single spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def _is_acronym(term: str) -> bool:
    # "ATE", "HF", "IP": matched with their case, or "ate" and "hf" in ordinary prose would count.
    return len(term) <= 3 and term.isascii() and term.upper() == term and term.isalpha()


class Tagger:
    """Finds taxonomy capabilities mentioned in a text, in English or Japanese.

    ASCII terms must stand as words (so "car" does not fire inside "carbide"); Japanese terms
    match anywhere, since Japanese has no spaces. Longer terms are tried first, so
    「フォトレジスト」 is one mention, not also 「レジスト」.
    """

    def __init__(self, terms: Iterable[tuple[str, str]]) -> None:
        self._codes: dict[str, set[str]] = {}
        self._acronyms: dict[str, set[str]] = {}
        for term, code in terms:
            term = unicodedata.normalize("NFKC", term).strip()
            if not term:
                continue
            if _is_acronym(term):
                self._acronyms.setdefault(term, set()).add(code)
            else:
                self._codes.setdefault(normalize(term), set()).add(code)
        words = sorted((t for t in self._codes if t.isascii()), key=len, reverse=True)
        other = sorted((t for t in self._codes if not t.isascii()), key=len, reverse=True)
        self._ascii = self._compile(words, r"(?<![a-z0-9])(?:{})(?![a-z0-9])")
        self._other = self._compile(other, "(?:{})")
        self._upper = self._compile(
            sorted(self._acronyms, key=len, reverse=True), r"(?<![A-Za-z0-9])(?:{})(?![A-Za-z0-9])"
        )

    @staticmethod
    def _compile(terms: list[str], pattern: str) -> re.Pattern[str] | None:
        if not terms:
            return None
        return re.compile(pattern.format("|".join(re.escape(t) for t in terms)))

    def tags(self, text: str) -> frozenset[str]:
        if not text:
            return frozenset()
        found: set[str] = set()
        plain = normalize(text)
        for regex, table, subject in (
            (self._ascii, self._codes, plain),
            (self._other, self._codes, plain),
            (self._upper, self._acronyms, unicodedata.normalize("NFKC", text)),
        ):
            if regex is None:
                continue
            for match in regex.finditer(subject):
                found.update(table[match.group(0)])
        return frozenset(found)


def ngram_counts(text: str, dim: int = NGRAM_DIM) -> np.ndarray:
    """Counts of hashed character n-grams of `text` (float32, length `dim`)."""
    out = np.zeros(dim, dtype=np.float32)
    plain = normalize(text)
    if not plain:
        return out
    padded = f" {plain} "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if len(codes) >= 3:
        tri = (codes[:-2] * _H1 + codes[1:-1] * _H2 + codes[2:] * _H3) % dim
        out += np.bincount(tri, minlength=dim).astype(np.float32)
    wide = (codes[:-1] > 127) & (codes[1:] > 127)
    if wide.any():
        bi = (codes[:-1][wide] * _H2 + codes[1:][wide] * _H1 + _BIGRAM_SALT) % dim
        out += np.bincount(bi, minlength=dim).astype(np.float32)
    return out


def idf_weights(counts: np.ndarray) -> np.ndarray:
    """Inverse document frequency per hashed n-gram over the rows of `counts` (documents):
    n-grams every description has ("ing", "the") weigh little."""
    docs = counts.shape[0]
    df = (counts > 0).sum(axis=0).astype(np.float32)
    idf: np.ndarray = (np.log((1.0 + docs) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


def ngram_vector(counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Sublinear tf × idf, unit length (all zeros for an empty text)."""
    weights = np.zeros_like(counts)
    nz = counts > 0
    weights[nz] = (1.0 + np.log(counts[nz])) * idf[nz]
    norm = float(np.linalg.norm(weights))
    return weights / norm if norm > 0 else weights
