"""A suggestion's reasons in English or Japanese: pure functions over structured reasons.

matching.reasons turns what scoring found into reasons for and against, each naming the facts
of both sides; this module words those and nothing else, so a sentence can only say what a
reason holds. Codes never reach the reader: capabilities, thrusts, member states, institution
types and initiatives are named by their labels in the reader's language (the report's terms in
Japanese: 戦略課題 for a strategic thrust), and a label corrected in the reference data shows in
every explanation at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matching import regions
from matching.features import SUPPLIES
from matching.reason_types import MAKES

if TYPE_CHECKING:
    from matching.reason_types import ReasonItem

# Capabilities a sentence names, at most (the API's structured reasons hold them all).
MAX_NAMED = 3


@dataclass(frozen=True)
class Labels:
    """code → (English, Japanese) for the reference data a sentence names."""

    capabilities: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    states: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    thrusts: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    org_types: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    initiatives: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # An incentive's code → its agency's name.
    agencies: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    reasons: list[str]
    against: str
    text: str
    against_all: list[str] = field(default_factory=list)


def _lang(lang: str | None) -> str:
    return "ja" if (lang or "").lower().startswith("ja") else "en"


def _label(table: Mapping[str, tuple[str, str]], code: str, lang: str) -> str:
    en, ja = table.get(code, (code, ""))
    return (ja or en) if lang == "ja" else en


def _lower(name: str) -> str:
    # "Dicing, grinding ..." reads as "dicing, grinding ..." mid-sentence; "IC design" and
    # "IoT and sensors" stay.
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:] == first[1:].lower():
        return name[0].lower() + name[1:]
    return name


# Member states whose English name takes the article.
_WITH_THE = frozenset({"Philippines", "Netherlands"})


def _join(items: Sequence[str], lang: str) -> str:
    items = list(dict.fromkeys(items))
    if lang == "ja":
        return "、".join(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class _Words:
    """Labels in one language."""

    def __init__(self, labels: Labels, lang: str):
        self.labels, self.lang = labels, lang

    def cap(self, code: str) -> str:
        name = _label(self.labels.capabilities, code, self.lang)
        return name if self.lang == "ja" else _lower(name)

    def caps(self, codes: Sequence[str]) -> str:
        return _join([self.cap(c) for c in codes[:MAX_NAMED]], self.lang)

    def state(self, code: str) -> str:
        name = _label(self.labels.states, code, self.lang)
        return f"the {name}" if self.lang == "en" and name in _WITH_THE else name

    def regions(self, codes: Sequence[str]) -> str:
        gazetteer = regions.gazetteer()
        return _join([gazetteer.name(c, self.lang) for c in codes[:MAX_NAMED]], self.lang)

    def thrust(self, code: str) -> str:
        number = code[1:] if code[:1] == "T" else code
        name = _label(self.labels.thrusts, code, self.lang)
        named = name and name != code
        if self.lang == "ja":
            return f"戦略課題{number}（{name}）" if named else f"戦略課題{number}"
        return f"Thrust {number} ({name})" if named else f"Thrust {number}"

    def thrusts(self, codes: Sequence[str]) -> str:
        return _join([self.thrust(c) for c in codes], self.lang)

    def org_type(self, code: str) -> str:
        name = _label(self.labels.org_types, code, self.lang)
        return name if self.lang == "ja" else _lower(name)

    def initiative(self, code: str) -> str:
        name = _label(self.labels.initiatives, code, self.lang)
        if not name or name == code:
            return code
        return f"{code}（{name}）" if self.lang == "ja" else f"{code} ({name})"

    def month(self, yyyy_mm: str) -> str:
        """ "March 2026" in English, 「2026年3月」 in Japanese."""
        try:
            when = dt.date(int(yyyy_mm[:4]), int(yyyy_mm[5:7]), 1)
        except ValueError:
            return yyyy_mm
        if self.lang == "ja":
            return f"{when.year}年{when.month}月"
        return f"{_MONTHS[when.month - 1]} {when.year}"

    def day(self, iso: str) -> str:
        """ "30 June 2026" in English, 「2026年6月30日」 in Japanese."""
        try:
            when = dt.date.fromisoformat(iso)
        except ValueError:
            return iso
        if self.lang == "ja":
            return f"{when.year}年{when.month}月{when.day}日"
        return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"

    def tied_state(self, company: Sequence[str], state: str) -> str:
        """ "Malaysia, a member state you prioritise" / 「御社が重視するマレーシア」."""
        relation = next((_state_of(f)[0] for f in company if ":" in f), "")
        name = self.state(state)
        return _TIED[self.lang].get(relation, "{state}").format(state=name)


# Not strftime("%B"): that follows the process's locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _article(noun: str) -> str:
    # "a university", "an industrial park", "an ASEAN manufacturer": by sound, not spelling.
    word = noun.lower()
    vowel = word[:1] in "aeiou" and not word.startswith(("uni", "use", "usu", "eu", "one"))
    return ("an " if vowel else "a ") + noun


_PURPOSES = {
    "en": {
        "customer": "a potential customer",
        "supplier": "a potential supplier",
        "rnd_partner": "a potential research and development partner",
        "talent_partner": "a partner for talent and training",
        "investment_incentives": "a route to investment incentives",
        "channel": "a channel to the industry",
    },
    "ja": {
        "customer": "顧客候補",
        "supplier": "調達先候補",
        "rnd_partner": "研究開発パートナー候補",
        "talent_partner": "人材育成の連携先",
        "investment_incentives": "投資・優遇措置の窓口",
        "channel": "業界への窓口",
    },
}

_TIED = {
    "en": {
        "priority": "{state}, a member state you prioritise",
        "presence": "{state}, where you are already present",
    },
    "ja": {"priority": "御社が重視する{state}", "presence": "御社の拠点がある{state}"},
}
_PROJECT_KINDS = {
    "front_end_fab": ("front-end fab", "前工程工場"),
    "back_end_atp": (
        "assembly, test and packaging plant",
        "後工程（組立・検査・パッケージング）工場",
    ),
    "wafer": ("wafer plant", "ウェーハ工場"),
    "materials": ("materials plant", "材料工場"),
    "equipment_service": ("equipment and parts plant", "装置・部品工場"),
    "r_and_d": ("R&D centre", "研究開発拠点"),
    "training": ("training centre", "研修拠点"),
}
_PHASES = {
    "announced": ("had been announced", "計画発表段階"),
    "construction": ("was under construction", "建設中"),
    "tool_in": ("was installing its tools", "装置搬入中"),
    "ramp": ("was ramping up", "量産立ち上げ中"),
    "production": ("was in production", "量産中"),
}
_INCENTIVE_KINDS = {
    "tax": ("tax incentive", "税制優遇"),
    "grant": ("grant", "補助金"),
    "loan": ("loan", "融資制度"),
    "insurance": ("insurance", "保険制度"),
    "matching_fund": ("matching fund", "マッチングファンド"),
    "training_subsidy": ("training subsidy", "人材育成補助金"),
}
_FOR = {
    "en": {
        "give": "You offer {caps}, which {cp} needs",
        "give_initiative": "You offer {caps}, which {cp} draws on",
        "covers": "{cp} needs {need}, which your {offer} can cover",
        "supplies": "{cp} needs {need}, which your {offer} can serve",
        "consumes": "{cp} runs {made}, which uses your {offer}",
        "near": "{cp} needs {need}; you offer {offer}, in the same field",
        "near_unnamed": "{cp} needs {need}; you offer capabilities in the same field",
        "text": "Both your profile and {cp}'s name {caps}",
        "similar": "Your description and {cp}'s read alike",
        "purpose": "{cp} offers {caps}, which you are looking for",
        "thrust": "You and {cp} both work on {thrusts}",
        "thrust_initiative": "{cp} falls under {thrusts}, which you work on",
        "priority": "{state} is a member state you prioritise",
        "presence": "You are already present in {state}",
        "regional": "{cp} works across ASEAN",
        "role_priority": "{cp} is {type} in {state}, a member state you prioritise: {purpose}",
        "role_presence": "{cp} is {type} in {state}, where you are already present: {purpose}",
        "role_regional": "{cp} is {type} working across ASEAN: {purpose}",
        "role_site": "{cp} is {type} in {region} ({state}), where you have a site: {purpose}",
        "launched": "{state} launched {initiative} in {month}",
        "in_progress": "{initiative} has been under way in {state} since {month}",
        "relationship": "Your team has been in touch with {cp} in the last two years",
    },
    "ja": {
        "give": "{cp}が必要とする{caps}を御社が提供できる",
        "give_initiative": "{cp}に必要な{caps}を御社が提供できる",
        "covers": "{cp}が必要とする{need}を御社の{offer}でまかなえる",
        "supplies": "{cp}が必要とする{need}に御社の{offer}が使われる",
        "consumes": "{cp}の{made}に御社の{offer}が使われる",
        "near": "{cp}が必要とする{need}と同じ分野の{offer}を御社が提供している",
        "near_unnamed": "{cp}が必要とする{need}と同じ分野の技術を御社が持っている",
        "text": "御社と{cp}のプロフィールがともに{caps}に言及している",
        "similar": "御社と{cp}の事業内容の説明が似ている",
        "purpose": "御社が求める{caps}を{cp}が提供している",
        "thrust": "御社と{cp}はともに{thrusts}に取り組んでいる",
        "thrust_initiative": "{cp}は御社が取り組む{thrusts}の施策である",
        "priority": "{state}は御社が重視する加盟国である",
        "presence": "御社は{state}に拠点がある",
        "regional": "{cp}はASEAN全域で活動している",
        "role_priority": "{cp}は御社が重視する{state}の{type}で、{purpose}となる",
        "role_presence": "{cp}は御社の拠点がある{state}の{type}で、{purpose}となる",
        "role_regional": "{cp}はASEAN全域で活動する{type}で、{purpose}となる",
        "role_site": "{cp}は御社の拠点がある{region}（{state}）の{type}で、{purpose}となる",
        "launched": "{state}が{month}に{initiative}を開始した",
        "in_progress": "{state}で{month}から{initiative}が進行中である",
        "relationship": "御社チームは過去2年以内に{cp}と接点がある",
    },
}
_AGAINST = {
    "en": {
        "capability": "{cp} also needs {caps}, which you do not offer",
        "capability_only": "{cp} needs {caps}, which you do not offer",
        "thrust": "{cp} works on {thrusts}, none of which you work on",
        "thrust_one": "{cp} works on {thrusts}, which you do not work on",
        "country": "{state} is neither a member state you prioritise nor one you are present in",
        "purpose": "{cp} offers none of the {caps} you are looking for",
        "region_near": "{cp} serves {area}, next to {sites} where your site is",
        "region_elsewhere": "{cp} serves {area}; your sites in {state} are in {sites}",
        "prefix": "Against: ",
    },
    "ja": {
        "capability": "{cp}が必要とする{caps}は御社の提供範囲外",
        "capability_only": "{cp}が必要とする{caps}は御社の提供範囲外",
        "thrust": "{cp}が取り組む{thrusts}は御社の戦略課題と重ならない",
        "thrust_one": "{cp}が取り組む{thrusts}は御社の戦略課題と重ならない",
        "country": "{state}は御社が重視する加盟国でも拠点のある国でもない",
        "purpose": "御社が求める{caps}を{cp}は提供していない",
        "region_near": "{cp}の対象地域は{area}で、御社の拠点がある{sites}の隣接地域にとどまる",
        "region_elsewhere": "{cp}の対象地域は{area}で、御社の{state}の拠点（{sites}）とは異なる",
        "prefix": "懸念：",
    },
}


def _state_of(fact: str) -> tuple[str, str]:
    """ "priority:MY" → ("priority", "MY")."""
    relation, _sep, state = fact.rpartition(":")
    return relation, state


def _capability(item: ReasonItem, cp: str, kind: str, w: _Words) -> str:
    t = _FOR[w.lang]
    company, counterpart = list(item["company"]), list(item["counterpart"])
    if company and company == counterpart:
        key = "give_initiative" if kind == "initiative" else "give"
        return t[key].format(caps=w.caps(counterpart), cp=cp)
    if made := [f.removeprefix(MAKES) for f in counterpart if f.startswith(MAKES)]:
        return t["consumes"].format(made=w.caps(made), offer=w.caps(company), cp=cp)
    need = w.caps(counterpart)
    if not company:
        return t["near_unnamed"].format(need=need, cp=cp)
    branch = all(c.split(".")[0] == n for c in company for n in counterpart)
    served = all(n in SUPPLIES.get(c, ()) for c in company for n in counterpart)
    key = "covers" if branch else "supplies" if served else "near"
    return t[key].format(need=need, offer=w.caps(company), cp=cp)


def _place(item: ReasonItem, cp: str, w: _Words) -> str:
    t = _FOR[w.lang]
    company = [_state_of(f) for f in item["company"]]
    relation, state = company[0] if company else ("regional", "")
    if item["code"] == "country":
        return t[relation].format(state=w.state(state), cp=cp)
    facts = list(item["counterpart"])
    org_type, purpose, state = [*facts, "", "", ""][:3]
    area = facts[3:]  # the region of one of the company's sites, named by `site:` facts
    kind = w.org_type(org_type)
    sites = [f.split(":", 1)[1] for f in item["company"] if f.startswith("site:")]
    return t["role_site" if sites and area else f"role_{relation}"].format(
        cp=cp,
        type=kind if w.lang == "ja" else _article(kind),
        state=w.state(state),
        region=w.regions(area),
        purpose=_PURPOSES[w.lang].get(purpose, ""),
    )


def _sentence_for(item: ReasonItem, cp: str, kind: str, w: _Words) -> str:
    t, code = _FOR[w.lang], item["code"]
    company, counterpart = list(item["company"]), list(item["counterpart"])
    if code == "capability":
        return _capability(item, cp, kind, w)
    if code == "text":
        if counterpart:
            return t["text"].format(caps=w.caps(counterpart), cp=cp)
        return t["similar"].format(cp=cp)
    if code == "purpose":
        return t["purpose"].format(caps=w.caps(counterpart), cp=cp)
    if code == "thrust":
        key = "thrust_initiative" if kind == "initiative" else "thrust"
        return t[key].format(thrusts=w.thrusts(counterpart), cp=cp)
    if code in ("role", "country"):
        return _place(item, cp, w)
    if code == "implementation" and company and len(counterpart) == 3:
        initiative, status, month = counterpart
        if status in ("launched", "in_progress"):
            return t[status].format(
                state=w.state(_state_of(company[0])[1]),
                initiative=w.initiative(initiative),
                month=w.month(month),
            )
    if code == "relationship":
        return t["relationship"].format(cp=cp)
    if code == "project" and len(counterpart) >= 5:
        return _project(company, counterpart, cp, w)
    if code == "incentive" and len(counterpart) >= 4:
        return _incentive(company, counterpart, cp, w)
    return ""


def _project(company: list[str], counterpart: list[str], cp: str, w: _Words) -> str:
    """ "Kulim 3, a front-end fab in Malaysia, a member state you prioritise, was ramping up as
    of August 2024 (production began in 2024); it buys deposition equipment, which you offer":
    the phase as the sources confirm it, as of their month."""
    kind, phase, month, state, year, *needs = counterpart
    ja = w.lang == "ja"
    kind_name = _PROJECT_KINDS.get(kind, (kind, kind))[1 if ja else 0]
    phase_name = _PHASES.get(phase, (phase, phase))[1 if ja else 0]
    where = w.tied_state(company, state)
    started = phase in ("ramp", "production")
    if ja:
        when = f"（{year}年生産開始{'' if started else '予定'}）" if year else ""
        at = f"{w.month(month)}時点で" if month else ""
        text = f"{cp}は{where}の{kind_name}で、{at}{phase_name}{when}"
        if needs:
            text += f"。御社が提供する{w.caps(needs)}を調達する"
        return text
    if year:
        when = f" (production began in {year})" if started else f", with production due in {year}"
    else:
        when = ""
    at = f" as of {w.month(month)}" if month else ""
    text = f"{cp}, {_article(kind_name)} in {where}, {phase_name}{at}{when}"
    if needs:
        text += f"; it buys {w.caps(needs)}, which you offer"
    return text


def _incentive(company: list[str], counterpart: list[str], cp: str, w: _Words) -> str:
    """ "MIDA's ... (a tax incentive of ...) is open to companies in Malaysia, ... and favours
    Thrust 4 (...), which you work on; applications close on 30 June 2026"."""
    code, kind, country, deadline, *thrusts = counterpart
    ja = w.lang == "ja"
    kind_name = _INCENTIVE_KINDS.get(kind, (kind, kind))[1 if ja else 0]
    agency = _label(w.labels.agencies, code, w.lang)
    if agency == code:
        agency = ""
    if ja:
        what = f"（{agency}の{kind_name}）" if agency else f"（{kind_name}）"
        if country == "JP":
            text = f"{cp}{what}は日本の制度で、進出先を問わず御社が活用できる"
        else:
            text = f"{cp}{what}は{w.tied_state(company, country)}で活用できる制度である"
        if thrusts:
            text += f"。御社が取り組む{w.thrusts(thrusts)}を支援対象とする"
        if deadline:
            text += f"。申請期限は{w.day(deadline)}"
        return text
    what = f" ({_article(kind_name)} of {agency})" if agency else f" ({_article(kind_name)})"
    if country == "JP":
        text = f"{cp}{what} is a Japanese programme open to you wherever you operate"
    else:
        text = f"{cp}{what} is open to companies in {w.tied_state(company, country)}"
    if thrusts:
        text += f", and favours {w.thrusts(thrusts)}, which you work on"
    if deadline:
        text += f"; applications close on {w.day(deadline)}"
    return text


def _sentence_against(item: ReasonItem, cp: str, w: _Words, has_capability: bool) -> str:
    t, code = _AGAINST[w.lang], item["code"]
    company, counterpart = list(item["company"]), list(item["counterpart"])
    if code == "capability":
        key = "capability" if has_capability else "capability_only"
        return t[key].format(caps=w.caps(counterpart), cp=cp)
    if code == "thrust":
        key = "thrust_one" if len(counterpart) == 1 else "thrust"
        return t[key].format(thrusts=w.thrusts(counterpart), cp=cp)
    if code == "country" and counterpart:
        return t["country"].format(state=w.state(counterpart[0]), cp=cp)
    if code == "purpose":
        return t["purpose"].format(caps=w.caps(company), cp=cp)
    if code == "region" and len(counterpart) >= 2 and company:
        relation, *area = counterpart
        if f"region_{relation}" not in t:
            return ""
        state = regions.gazetteer().regions.get(company[0])
        return t[f"region_{relation}"].format(
            cp=cp,
            area=w.regions(area),
            sites=w.regions(company),
            state=w.state(state.country) if state else "",
        )
    return ""


def render(
    structured: Mapping[str, Sequence[ReasonItem]],
    *,
    counterpart: str,
    kind: str,
    lang: str | None,
    labels: Labels,
) -> Explanation:
    """Sentences for the structured reasons (matching.structured.structure): every reason for,
    and the strongest against."""
    lang = _lang(lang)
    w = _Words(labels, lang)
    items_for = list(structured.get("for") or [])
    found = [s for s in (_sentence_for(x, counterpart, kind, w) for x in items_for) if s]
    if lang == "en":  # "the Penang cluster needs ..." opens a sentence
        found = [s[:1].upper() + s[1:] for s in found]
    has_capability = any(x["code"] == "capability" for x in items_for)
    against_all = [
        s
        for s in (
            _sentence_against(x, counterpart, w, has_capability)
            for x in structured.get("against") or []
        )
        if s
    ]
    against = against_all[0] if against_all else ""
    if lang == "ja":
        text = "".join(f"{s}。" for s in found)
        if against:
            text += _AGAINST["ja"]["prefix"] + against + "。"
    else:
        text = " ".join(f"{s}." for s in found)
        if against:
            text += (" " if text else "") + _AGAINST["en"]["prefix"] + against + "."
    return Explanation(reasons=found, against=against, text=text, against_all=against_all)
