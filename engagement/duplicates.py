"""Likely duplicate organizations: pairs a program manager should look at, with the reasons.

Pure: it reads names, countries and websites and knows nothing of the database (only the
reasons' labels are translated, lazily). Two records of
one country are a likely pair when

- a name of one (English or Japanese) equals a name of the other once case, accents, width,
  kana script, punctuation and legal forms (Sdn Bhd, 株式会社, Co., Ltd.…) are folded away;
- or the names are close (rapidfuzz: the better of token-sorted and unspaced similarity, 0–100,
  at least `THRESHOLD`): "Penang Development Corp." and "Penang Developmant Corporation";
- or one is the other's acronym, written in brackets or made of its initials: "MIDA" and
  "Malaysian Investment Development Authority (MIDA)";
- or both websites are on the same host (www. aside).

The names are not transliterated: an English name and a katakana name of the same body meet
only through the other name each record holds, or the website. Candidates are found through an
index of words (CJK names by three-character pieces), so the work grows with the number of
records sharing a word rather than with the square of the directory.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz

from engagement.normalize import has_japanese, name_tokens

THRESHOLD = 88
# A word shared by more records than this does not propose pairs by itself ("university").
COMMON_WORD = 200
SAME_NAME = "same_name"
SIMILAR_NAME = "similar_name"
ACRONYM = "acronym"
SAME_DOMAIN = "same_domain"
# How a page or a report says each reason, in the reader's language.
REASON_LABELS = {
    SAME_NAME: gettext_lazy("same name once spelling and legal form are set aside"),
    SIMILAR_NAME: gettext_lazy("similar names"),
    ACRONYM: gettext_lazy("one name is the other's abbreviation"),
    SAME_DOMAIN: gettext_lazy("same website"),
}
_BRACKETED = re.compile(r"[(（]\s*([^()（）]{2,20}?)\s*[)）]")
_SMALL_WORDS = {"of", "and", "the", "for", "in", "de", "dan"}


@dataclass(frozen=True)
class Named:
    id: int
    country: str
    name: str
    name_ja: str = ""
    website: str = ""


@dataclass(frozen=True)
class LikelyPair:
    first: int  # the lower id
    second: int
    score: int  # how alike the names are, 0–100
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Keys:
    names: tuple[str, ...]  # folded names, words joined by one space
    acronyms: frozenset[str]  # bracketed short forms and initials
    host: str
    words: frozenset[str]  # what the index files the record under


def host_of(website: str) -> str:
    if not website:
        return ""
    parts = urlsplit(website if "//" in website else f"//{website}")
    host = (parts.hostname or "").casefold()
    return host[4:] if host.startswith("www.") else host


def _keys(row: Named) -> _Keys:
    names: list[str] = []
    acronyms: set[str] = set()
    for raw in (row.name, row.name_ja):
        if not raw:
            continue
        for short in _BRACKETED.findall(raw):
            acronyms.add(" ".join(name_tokens(short)))
        bare = _BRACKETED.sub(" ", raw)
        tokens = name_tokens(bare)
        if tokens:
            names.append(" ".join(tokens))
        initials = "".join(t[0] for t in tokens if t not in _SMALL_WORDS)
        if len(tokens) >= 3 and not has_japanese(bare):
            acronyms.add(initials)
    acronyms.discard("")
    words: set[str] = set()
    for name in names:
        for token in name.split():
            if has_japanese(token):
                words.update(token[i : i + 3] for i in range(max(1, len(token) - 2)))
            elif len(token) >= 2:
                words.add(token)
        words.add("=" + name.replace(" ", ""))
    words.update("=" + a.replace(" ", "") for a in acronyms)
    host = host_of(row.website)
    if host:
        words.add("@" + host)
    return _Keys(tuple(dict.fromkeys(names)), frozenset(acronyms), host, frozenset(words))


def _similarity(a: str, b: str) -> int:
    return round(
        max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
    )


def compare(a: _Keys, b: _Keys, threshold: int = THRESHOLD) -> tuple[int, tuple[str, ...]]:
    """How alike two records' names are (0–100) and why they make a likely pair (no reasons:
    they do not)."""
    reasons: list[str] = []
    score = max((_similarity(x, y) for x in a.names for y in b.names), default=0)
    squashed_a = {n.replace(" ", "") for n in a.names}
    squashed_b = {n.replace(" ", "") for n in b.names}
    if squashed_a & squashed_b:
        score = 100
        reasons.append(SAME_NAME)
    elif score >= threshold:
        reasons.append(SIMILAR_NAME)
    short_a = {x.replace(" ", "") for x in a.acronyms}
    short_b = {x.replace(" ", "") for x in b.acronyms}
    if SAME_NAME not in reasons and (short_a & squashed_b or short_b & squashed_a):
        reasons.append(ACRONYM)
    if a.host and a.host == b.host:
        reasons.append(SAME_DOMAIN)
    return score, tuple(reasons)


def _order(pair: LikelyPair) -> tuple[int, int, int]:
    strength = pair.score + (10 if SAME_DOMAIN in pair.reasons else 0)
    strength += 5 if ACRONYM in pair.reasons else 0
    return (-strength, pair.first, pair.second)


def likely_pairs(
    rows: Iterable[Named],
    *,
    threshold: int = THRESHOLD,
    progress: Callable[[int, int], None] | None = None,
) -> list[LikelyPair]:
    """Every likely pair among `rows`, strongest first."""
    rows = list(rows)
    keys = {row.id: _keys(row) for row in rows}
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        for word in keys[row.id].words:
            index[(row.country, word)].append(row.id)
    seen: set[tuple[int, int]] = set()
    out: list[LikelyPair] = []
    for done, row in enumerate(rows, start=1):
        mine = keys[row.id]
        for word in mine.words:
            ids = index[(row.country, word)]
            if len(ids) > COMMON_WORD and not word.startswith(("=", "@")):
                continue
            for other in ids:
                if other <= row.id or (row.id, other) in seen:
                    continue
                seen.add((row.id, other))
                score, reasons = compare(mine, keys[other], threshold)
                if reasons:
                    out.append(LikelyPair(row.id, other, score, reasons))
        if progress is not None:
            progress(done, len(rows))
    return sorted(out, key=_order)


def likely_duplicates(
    new: Named, rows: Iterable[Named], *, threshold: int = THRESHOLD
) -> list[LikelyPair]:
    """The likely pairs `new` makes with `rows` (an import row or an API create, before or just
    after it is written), strongest first; `new.id` may be 0 when it has none yet."""
    mine = _keys(new)
    out = []
    for row in rows:
        if row.id == new.id or row.country != new.country:
            continue
        score, reasons = compare(mine, _keys(row), threshold)
        if reasons:
            first, second = sorted((new.id, row.id))
            out.append(LikelyPair(first, second, score, reasons))
    return sorted(out, key=_order)
