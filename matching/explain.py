"""A suggestion's reasons in English or Japanese: pure functions over stored reason codes.

Scoring stores what it found as codes (scoring.reasons); this module words them, so the same
suggestion reads naturally to an English and to a Japanese reader, and a label corrected in the
reference data shows in every explanation at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Labels:
    """code → (English, Japanese) for capabilities and member states."""

    capabilities: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    states: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    reasons: list[str]
    against: str
    text: str


def _lang(lang: str | None) -> str:
    return "ja" if (lang or "").lower().startswith("ja") else "en"


def _label(table: Mapping[str, tuple[str, str]], code: str, lang: str) -> str:
    en, ja = table.get(code, (code, ""))
    return (ja or en) if lang == "ja" else en


def _cap(labels: Labels, code: str, lang: str) -> str:
    name = _label(labels.capabilities, code, lang)
    # "Dicing, grinding ..." reads as "dicing, grinding ..." mid-sentence; "IC design" stays.
    if lang == "en" and len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def _thrust(code: str, lang: str) -> str:
    number = code[1:] if code[:1] == "T" else code
    return f"重点分野{number}" if lang == "ja" else f"Thrust {number}"


def _join(items: Sequence[str], lang: str) -> str:
    items = list(items)
    if lang == "ja":
        return "、".join(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _caps(codes: Sequence[str], labels: Labels, lang: str) -> str:
    return _join([_cap(labels, c, lang) for c in codes[:3]], lang)


_FOR = {
    "en": {
        "give": "offers {caps} that {cp} needs",
        "give_initiative": "offers {caps} that {cp} draws on",
        "supplies": "offers {offer} for the {need} that {cp} needs",
        "partial": "offers capabilities close to {caps}, which {cp} needs",
        "text": "its profile and {cp}'s meet on {caps}",
        "similar": "their descriptions are alike",
        "back": "{cp} offers {caps} that the company is looking for",
        "priority": "{state} is a priority member state",
        "presence": "already present in {state}",
        "regional": "{cp} works across ASEAN",
        "thrusts": "both on {thrusts}",
        "thrusts_initiative": "{cp} is on {thrusts}, a priority thrust",
        "engaged": "already in touch with {cp}",
        "launched": "{state} launched {code} in {month}",
        "in_progress": "{state} has had {code} under way since {month}",
    },
    "ja": {
        "give": "{cp}が必要とする{caps}を提供できる",
        "give_initiative": "{cp}に必要な{caps}を提供できる",
        "supplies": "{cp}が必要とする{need}向けに{offer}を提供できる",
        "partial": "{cp}が必要とする{caps}に近い技術を持つ",
        "text": "プロフィールが{caps}で{cp}と一致",
        "similar": "説明文が似ている",
        "back": "{cp}が自社の求める{caps}を提供",
        "priority": "{state}は重点加盟国",
        "presence": "{state}に拠点がある",
        "regional": "{cp}はASEAN全域で活動",
        "thrusts": "双方とも{thrusts}に取り組む",
        "thrusts_initiative": "{cp}は重点とする{thrusts}に属する",
        "engaged": "{cp}とは既に接点がある",
        "launched": "{state}が{month}に{code}を開始",
        "in_progress": "{state}で{code}が{month}から進行中",
    },
}
_AGAINST = {
    "en": {
        "capability": "{cp} also needs {caps}, which the company does not offer",
        "capability_partly": "meets {cp}'s need for {caps} only in part",
        "capability_none": "{cp} has declared no needs the company meets",
        "text": "the two profiles have little in common",
        "capability_back": "{cp} offers little of what the company is looking for",
        "thrust": "no shared thrust ({cp} is on {thrusts})",
        "thrust_none": "no shared thrust",
        "country": "{state} is not among its priority member states",
        "country_regional": "{cp} is not tied to one of its priority member states",
        "prefix": "Against: ",
    },
    "ja": {
        "capability": "{cp}が必要とする{caps}は提供していない",
        "capability_partly": "{cp}が必要とする{caps}には部分的にしか応えられない",
        "capability_none": "{cp}の必要とするものに応えられる点が少ない",
        "text": "プロフィールの共通点が少ない",
        "capability_back": "自社の求めるものを{cp}はほとんど提供していない",
        "thrust": "共通の重点分野がない（{cp}は{thrusts}）",
        "thrust_none": "共通の重点分野がない",
        "country": "{state}は重点加盟国ではない",
        "country_regional": "{cp}は特定の重点加盟国に拠点を持たない",
        "prefix": "懸念: ",
    },
}


def _reasons_for(r: Mapping, cp: str, kind: str, labels: Labels, lang: str) -> list[str]:
    t = _FOR[lang]
    out: list[str] = []
    if r.get("give"):
        key = "give_initiative" if kind == "initiative" else "give"
        out.append(t[key].format(caps=_caps(r["give"], labels, lang), cp=cp))
    for offer, need in (r.get("supplies") or [])[:2]:
        out.append(
            t["supplies"].format(
                offer=_cap(labels, offer, lang),
                need=_cap(labels, need, lang),
                cp=cp,
            )
        )
    if r.get("partial") and not r.get("give") and not r.get("supplies"):
        out.append(t["partial"].format(caps=_caps(r["partial"], labels, lang), cp=cp))
    if r.get("text"):
        out.append(t["text"].format(caps=_caps(r["text"], labels, lang), cp=cp))
    elif r.get("similar"):
        out.append(t["similar"])
    if r.get("back"):
        out.append(t["back"].format(caps=_caps(r["back"], labels, lang), cp=cp))
    fit = r.get("country_fit")
    state = _label(labels.states, r.get("country", ""), lang)
    if fit in ("priority", "presence"):
        out.append(t[fit].format(state=state))
    elif fit == "regional":
        out.append(t["regional"].format(cp=cp))
    if r.get("thrusts"):
        thrusts = _join([_thrust(x, lang) for x in r["thrusts"]], lang)
        key = "thrusts_initiative" if kind == "initiative" else "thrusts"
        out.append(t[key].format(thrusts=thrusts, cp=cp))
    for state, code, status, month in r.get("implementation") or []:
        if status in ("launched", "in_progress"):
            out.append(
                t[status].format(
                    state=_label(labels.states, state, lang),
                    code=code,
                    month=_month(month, lang),
                )
            )
    if r.get("engaged"):
        out.append(t["engaged"].format(cp=cp))
    return out


def _month(yyyy_mm: str, lang: str) -> str:
    """ "2026-03" in English, 「2026年3月」 in Japanese."""
    if lang != "ja" or len(yyyy_mm) != 7:
        return yyyy_mm
    return f"{yyyy_mm[:4]}年{int(yyyy_mm[5:])}月"


def _against(r: Mapping, cp: str, labels: Labels, lang: str) -> str:
    t = _AGAINST[lang]
    which = r.get("against", "")
    if which == "capability":
        if r.get("missing"):
            return t["capability"].format(cp=cp, caps=_caps(r["missing"], labels, lang))
        partly = [need for _offer, need in r.get("supplies") or []] + list(r.get("partial") or [])
        if partly:
            return t["capability_partly"].format(cp=cp, caps=_caps(partly, labels, lang))
        return t["capability_none"].format(cp=cp)
    if which == "thrust":
        if r.get("counterpart_thrusts"):
            thrusts = _join([_thrust(x, lang) for x in r["counterpart_thrusts"]], lang)
            return t["thrust"].format(cp=cp, thrusts=thrusts)
        return t["thrust_none"]
    if which == "country":
        if r.get("country_fit") == "regional":
            return t["country_regional"].format(cp=cp)
        return t["country"].format(state=_label(labels.states, r.get("country", ""), lang))
    if which in ("text", "capability_back"):
        return t[which].format(cp=cp)
    return ""


def render(
    reasons: Mapping, *, counterpart: str, kind: str, lang: str | None, labels: Labels
) -> Explanation:
    lang = _lang(lang)
    found = _reasons_for(reasons, counterpart, kind, labels, lang)
    against = _against(reasons, counterpart, labels, lang)
    if lang == "ja":
        text = "、".join(found) + "。" if found else ""
        if against:
            text += _AGAINST["ja"]["prefix"] + against + "。"
    else:
        text = "; ".join(found) if found else ""
        text = (text[:1].upper() + text[1:] + ".") if text else ""
        if against:
            text += (" " if text else "") + _AGAINST["en"]["prefix"] + against + "."
    return Explanation(reasons=found, against=against, text=text)
