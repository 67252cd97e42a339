"""Explanations are true by construction: over every suggestion made for the demo directory, no
fact is both for and against, what is said to be on both sides is, a government counterpart gets
no thrust reason, no code reaches a sentence and Japanese reads in Japanese; and hand-made pairs
read exactly as they should in English and Japanese."""

import csv
import re
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import transaction

from engagement.models import Organization, OrganizationKind
from matching import regions, roles
from matching.evaluation import REFERENCE_DIR, reference_from_csv
from matching.explain import Labels, render
from matching.features import (
    COMPANY,
    CONSUMERS,
    INCENTIVE,
    INITIATIVE,
    ORGANIZATION,
    PROJECT,
    SUPPLIES,
)
from matching.fusion import DEFAULT_WEIGHTS
from matching.models import MatchSuggestion
from matching.reason_types import MAKES
from matching.reasons import LOW, reasons
from matching.selectors import counterpart_name, explain, explanation_labels, structured_reasons
from matching.services.loading import engine_for_directory, reset_engine_cache
from matching.services.recompute import matches_recompute_companies, pair_purpose
from matching.structured import components_of, structure
from tests.matching.test_scoring import company, engine, initiative, institution

# The demo directory is read once per module (below); each test judges the plain data.
pytestmark = pytest.mark.django_db
CODE = re.compile(r"[A-Z]{3}\.[A-Z]+")
# A thrust code standing alone; an initiative's code (T6-02) is its public name.
THRUST_CODE = re.compile(r"\bT[1-6]\b(?!-\d)")
COMPONENT_OF = {
    "capability": "capability",
    "thrust": "thrust",
    "country": "country",
    "purpose": "capability_back",
    "text": "text",
}


# --- Every suggestion for the demo directory ---------------------------------------------------


@dataclass
class Side:
    offers: set[str] = field(default_factory=set)
    needs: set[str] = field(default_factory=set)
    thrusts: set[str] = field(default_factory=set)
    country: str = ""
    org_type: str = ""
    priority: set[str] = field(default_factory=set)
    presence: set[str] = field(default_factory=set)
    # The regions its texts name (matching.regions): a company's sites, an institution's area.
    regions: set[str] = field(default_factory=set)


@dataclass
class Seen:
    pk: int
    company: Side
    counterpart: Side
    kind: str
    structured: dict
    components: dict
    english: object
    japanese: object
    name_en: str
    name_ja: str


def _codes(manager) -> set[str]:
    return set(manager.values_list("code", flat=True))


def _side(org: Organization, tags: frozenset[str], regions: frozenset[str]) -> Side:
    """An organization as its records say, plus the capabilities its texts name."""
    type_thrusts = _codes(org.org_type.priority_thrusts) if org.org_type else set()
    is_company = org.kind == OrganizationKind.JAPANESE_COMPANY
    return Side(
        offers=_codes(org.capabilities) | set(tags),
        needs=_codes(org.needs) | set(tags),
        thrusts=_codes(org.thrusts) | (type_thrusts if is_company else set()),
        country=org.country if not is_company else "",
        org_type=org.org_type.code if org.org_type else "",
        priority=set(org.priority_countries.values_list("iso2", flat=True)),
        presence=set(org.presence_countries.values_list("iso2", flat=True)),
        regions=set(regions),
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo directory's suggestions, read once, as plain data; nothing is left behind."""
    seen: list[Seen] = []
    with django_db_blocker.unblock(), transaction.atomic():
        reset_engine_cache()
        call_command("load_reference", verbosity=0)
        call_command("load_demo", verbosity=0)
        matches_recompute_companies()
        e, labels = engine_for_directory(), explanation_labels()
        sides: dict[tuple[str, int], Side] = {}
        for s in MatchSuggestion.objects.select_related(
            "organization", "initiative__thrust", "project__country", "incentive"
        ):
            for kind, key in ((COMPANY, s.company_id), (ORGANIZATION, s.organization_id)):
                if key is not None and (kind, key) not in sides:
                    _p, signals = e.profile(kind, key)
                    sides[kind, key] = _side(
                        Organization.objects.get(pk=key), signals.tags, signals.regions
                    )
            if s.initiative_id:
                i = s.initiative
                counterpart = Side(needs=_codes(i.capabilities), thrusts={i.thrust.code})
                name_en = name_ja = ""
            elif s.project_id:
                p = s.project
                # A project declares no thrusts: those of what it buys are its own.
                counterpart = Side(
                    needs=_codes(p.capabilities),
                    thrusts=set(p.capabilities.values_list("thrusts__code", flat=True)) - {None},
                    country=p.country.iso2,
                    org_type=p.kind,
                )
                name_en, name_ja = p.name_en, p.name_ja
            elif s.incentive_id:
                i = s.incentive
                counterpart = Side(
                    needs=_codes(i.capabilities),
                    # Declared, or (none declared) those of the capabilities it favours.
                    thrusts=_codes(i.thrusts)
                    or set(i.capabilities.values_list("thrusts__code", flat=True)) - {None},
                    country=i.country,
                    org_type=i.kind,
                )
                name_en, name_ja = i.name_en, i.name_ja
            else:
                counterpart = sides[ORGANIZATION, s.organization_id]
                name_en, name_ja = s.organization.name, s.organization.name_ja
            seen.append(
                Seen(
                    pk=s.pk,
                    company=sides[COMPANY, s.company_id],
                    counterpart=counterpart,
                    kind=s.kind,
                    structured=structured_reasons(s),
                    components=s.components,
                    english=explain(s, "en", labels),
                    japanese=explain(s, "ja", labels),
                    name_en=name_en or counterpart_name(s, "en"),
                    name_ja=name_ja,
                )
            )
        transaction.set_rollback(True)
    reset_engine_cache()
    return seen


def _items(s: Seen):
    for side in ("for", "against"):
        for item in s.structured[side]:
            yield side, item


def _sentences(s: Seen) -> list[str]:
    return [*s.english.reasons, *s.english.against_all, *s.japanese.reasons, s.japanese.text]


def test_the_demo_directory_gives_enough_suggestions_to_judge(demo):
    kinds = {s.kind for s in demo}
    government = [s for s in demo if roles.thrust_exempt(s.counterpart.org_type)]
    against = [s for s in demo if s.structured["against"]]

    assert len(demo) > 500
    assert kinds == {ORGANIZATION, INITIATIVE, PROJECT, INCENTIVE}
    assert len(government) > 20
    assert len(against) > 50


def test_no_fact_is_both_for_and_against(demo):
    def key(item):
        return item["code"], tuple(item["company"]), tuple(item["counterpart"])

    clashes = [
        (s.pk, key(item))
        for s in demo
        for item in s.structured["against"]
        if key(item) in {key(x) for x in s.structured["for"]}
    ]

    assert clashes == []


def test_a_government_counterpart_gets_no_thrust_reason(demo):
    named = [
        s.pk
        for s in demo
        if roles.thrust_exempt(s.counterpart.org_type)
        for _side, item in _items(s)
        if item["code"] == "thrust"
    ]

    assert named == []


def _serves(offer: str, need: str) -> bool:
    """Equal, a leaf of the needed branch, the same branch, or a supply link."""
    return (
        offer == need
        or offer.split(".")[0] == need
        or offer.split(".")[0] == need.split(".")[0]
        or need in SUPPLIES.get(offer, ())
    )


def test_every_capability_named_for_is_offered_by_the_company_and_needed_by_the_counterpart(
    demo,
):
    wrong, uses = [], False
    for s in demo:
        for item in s.structured["for"]:
            if item["code"] != "capability":
                continue
            offered, needed = set(item["company"]), set(item["counterpart"])
            made = {f.removeprefix(MAKES) for f in needed if f.startswith(MAKES)}
            if made:
                # A plant's production that uses what the company offers (features.CONSUMERS).
                right = (
                    offered <= s.company.offers
                    and made <= s.counterpart.offers
                    and s.counterpart.org_type in CONSUMERS
                    and all(m in SUPPLIES[o] for o in offered for m in made)
                )
            else:
                right = (
                    offered <= s.company.offers
                    and needed <= s.counterpart.needs
                    and all(any(_serves(o, n) for o in offered) for n in needed)
                )
            if not right:
                wrong.append((s.pk, item))
            uses = uses or bool(made)

    assert wrong == []
    # The demo's fabs are explained by what their production uses.
    assert uses


def test_every_thrust_named_as_shared_is_on_both_sides(demo):
    wrong = [
        (s.pk, item)
        for s in demo
        for item in s.structured["for"]
        if item["code"] == "thrust"
        and not (
            item["company"] == item["counterpart"]
            and set(item["company"]) <= s.company.thrusts & s.counterpart.thrusts
        )
    ]

    assert wrong == []


def test_the_member_state_named_is_the_counterpart_s_and_the_company_s_tie_to_it_is_real(demo):
    wrong = []
    for s in demo:
        for side, item in _items(s):
            if item["code"] not in ("country", "role"):
                continue
            # A role names the type, the purpose, the member state, then the region it serves
            # where the company has a site there.
            state = item["counterpart"][-1 if item["code"] == "country" else 2]
            if state != (s.counterpart.country or "ASEAN"):
                wrong.append((s.pk, side, item))
            for fact in item["company"]:
                relation, _sep, theirs = fact.partition(":")
                if relation == "site":
                    area = item["counterpart"][3:]
                    if theirs not in s.company.regions or theirs not in s.counterpart.regions:
                        wrong.append((s.pk, side, item))
                    if theirs not in area or side != "for":
                        wrong.append((s.pk, side, item))
                    continue
                if side == "for" and theirs != state:
                    wrong.append((s.pk, side, item))
                if theirs not in getattr(s.company, relation):
                    wrong.append((s.pk, side, item))

    assert wrong == []


def test_a_region_against_is_an_agency_or_park_of_one_region_away_from_every_site_there(demo):
    """Read from the organizations' own texts: the counterpart is a park or an agency naming
    a region, the company has sites in that member state, none is in it; `near` only where one
    is in a neighbouring region; and the sentence names both in the reader's language."""
    gazetteer = regions.gazetteer()
    said = []
    wrong = []
    for s in demo:
        for side, item in _items(s):
            if item["code"] != "region":
                continue
            said.append(s)
            relation, *area = item["counterpart"]
            sites = item["company"]
            in_state = {r for r in s.company.regions if r[:2] == s.counterpart.country}
            neighbours = {n for r in sites for n in gazetteer.regions[r].near}
            if (
                side != "against"
                or s.counterpart.org_type not in roles.REGIONAL_TYPES
                or set(area) != s.counterpart.regions
                or set(sites) != in_state
                or not sites
                or set(sites) & set(area)
                or (relation == "near") != bool(neighbours & set(area))
            ):
                wrong.append((s.pk, item))
            # Every reason against is worded in English; the strongest alone in the Japanese text.
            english = " ".join(s.english.against_all)
            strongest = s.structured["against"][0] is item
            for code in [*area, *sites]:
                if gazetteer.name(code, "en") not in english:
                    wrong.append((s.pk, "en", code, english))
                if strongest and gazetteer.name(code, "ja") not in s.japanese.text:
                    wrong.append((s.pk, "ja", code, s.japanese.text))

    assert len(said) >= 5
    assert wrong == []


def test_a_project_reason_names_its_own_phase_state_and_needs_the_company_offers(demo):
    projects = [s for s in demo if s.kind == PROJECT]
    named = [item for s in projects for _side, item in _items(s) if item["code"] == "project"]
    wrong = []
    for s in projects:
        for side, item in _items(s):
            if item["code"] != "project":
                continue
            kind, _phase, _month, state, _year, *needs = item["counterpart"]
            offers = [c for c in item["company"] if ":" not in c]
            ties = [c.partition(":") for c in item["company"] if ":" in c]
            if (
                side != "for"
                or kind != s.counterpart.org_type
                or state != s.counterpart.country
                or not set(needs) <= s.counterpart.needs
                or not set(offers) <= s.company.offers
                or not all(any(_serves(o, n) for o in offers) for n in needs)
                or any(
                    theirs != state or theirs not in getattr(s.company, rel)
                    for rel, _, theirs in ties
                )
            ):
                wrong.append((s.pk, item))

    assert len(projects) > 20
    assert len(named) > 20
    assert wrong == []


def test_an_incentive_reason_names_its_country_deadline_and_thrusts_the_company_works_on(demo):
    incentives = [s for s in demo if s.kind == INCENTIVE]
    wrong = []
    for s in incentives:
        for side, item in _items(s):
            if item["code"] != "incentive":
                continue
            _code, kind, country, _deadline, *thrusts = item["counterpart"]
            ties = [c.partition(":") for c in item["company"] if ":" in c]
            shared = [c for c in item["company"] if ":" not in c]
            if (
                side != "for"
                or kind != s.counterpart.org_type
                or country != s.counterpart.country
                or shared != thrusts
                or not set(thrusts) <= s.company.thrusts & s.counterpart.thrusts
                or (country == "JP" and ties)
                or any(
                    theirs != country or theirs not in getattr(s.company, rel)
                    for rel, _, theirs in ties
                )
            ):
                wrong.append((s.pk, item))
        # A member state's incentive is suggested only where the company is or means to be.
        if s.counterpart.country != "JP" and s.counterpart.country not in (
            s.company.priority | s.company.presence
        ):
            wrong.append((s.pk, "no tie"))

    assert len(incentives) > 10
    assert wrong == []


def test_a_reason_against_names_a_low_component_or_a_region_and_costs_the_score(demo):
    wrong = []
    for s in demo:
        for item in s.structured["against"]:
            if item["code"] == "region":  # not a component: the role factor's region share
                if item["contribution"] >= 0:
                    wrong.append((s.pk, item))
                continue
            value = s.components[COMPONENT_OF[item["code"]]]["value"]
            if value is None or value >= LOW or item["contribution"] >= 0:
                wrong.append((s.pk, item, value))

    assert wrong == []


def test_every_reason_for_brings_something_and_names_facts(demo):
    wrong = [
        (s.pk, item)
        for s in demo
        for item in s.structured["for"]
        if item["contribution"] <= 0
        or (
            item["code"] not in ("relationship", "text")
            and not [*item["company"], *item["counterpart"]]
        )
    ]

    assert wrong == []


def test_no_sentence_carries_a_capability_or_thrust_code(demo):
    coded = [
        (s.pk, sentence)
        for s in demo
        for sentence in _sentences(s)
        if CODE.search(sentence) or THRUST_CODE.search(sentence)
    ]

    assert coded == []


def test_japanese_explanations_use_japanese_labels_names_and_the_report_s_terms(demo):
    caps = [(en, ja) for en, ja in _capability_labels() if ja]
    wrong = []
    for s in demo:
        text = s.japanese.text
        wrong += [(s.pk, en) for en, _ja in caps if en in text or en[:1].lower() + en[1:] in text]
        if "重点分野" in text or "Thrust" in text:
            wrong.append((s.pk, "thrust term"))
        if s.name_ja and s.name_ja != s.name_en and s.name_en in text:
            wrong.append((s.pk, s.name_en))

    assert wrong == []


def _capability_labels() -> list[tuple[str, str]]:
    with open(REFERENCE_DIR / "capabilities.csv", encoding="utf-8") as fh:
        return [(r["name_en"], r["name_ja"]) for r in csv.DictReader(fh)]


# --- Hand-made pairs, worded exactly -----------------------------------------------------------


def _names(file: str, key: str = "code") -> dict[str, tuple[str, str]]:
    with open(REFERENCE_DIR / file, encoding="utf-8") as fh:
        return {r[key]: (r["name_en"], r["name_ja"]) for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def labels():
    return Labels(
        capabilities=_names("capabilities.csv"),
        states=_names("member_states.csv", "iso2"),
        thrusts=_names("thrusts.csv"),
        org_types=_names("org_types.csv"),
        initiatives=_names("initiatives.csv"),
    )


@pytest.fixture(scope="module")
def taxonomy():
    return reference_from_csv()[0]


def _explained(e, labels, names: tuple[str, str]):
    m = e.rank()["C"][0]
    found = structure(
        reasons(e, m, DEFAULT_WEIGHTS), components_of(m), kind=m.kind, purpose=pair_purpose(e, m)
    )
    en = render(found, counterpart=names[0], kind=m.kind, lang="en", labels=labels)
    ja = render(found, counterpart=names[1], kind=m.kind, lang="ja", labels=labels)
    return found, en, ja


def test_an_investment_agency_where_the_company_is_present_is_explained_by_its_role_not_thrust(
    taxonomy, labels
):
    c = company(offers={"EQP.SERVICE"}, thrusts={"T1", "T3", "T6"}, presence_countries={"MY"})
    mida = institution(
        "MIDA", org_type="investment_agency", needs={"EQP.SERVICE"}, thrusts={"T3"}, country="MY"
    )

    found, en, ja = _explained(
        engine(taxonomy, [c], [mida]), labels, ("MIDA", "マレーシア投資開発庁")
    )

    assert [(x["code"], x["company"], x["counterpart"]) for x in found["for"]] == [
        ("role", ["presence:MY"], ["investment_agency", "investment_incentives", "MY"]),
        ("capability", ["EQP.SERVICE"], ["EQP.SERVICE"]),
    ]
    assert found["against"] == []
    assert en.text == (
        "MIDA is an investment promotion agency in Malaysia, where you are already present: a "
        "route to investment incentives. You offer equipment service, maintenance and leasing, "
        "which MIDA needs."
    )
    assert ja.text == (
        "マレーシア投資開発庁は御社の拠点があるマレーシアの投資促進機関で、投資・優遇措置の窓口となる。"
        "マレーシア投資開発庁が必要とする装置保守・サービス・リースを御社が提供できる。"
    )


def test_a_shared_thrust_among_many_is_a_reason_for_and_never_no_shared_thrust_against(
    taxonomy, labels
):
    c = company(offers={"TAL.TRAINING"}, thrusts={"T6"}, priority_countries={"MY"})
    usm = institution(
        "USM",
        org_type="university",
        needs={"TAL.TRAINING"},
        thrusts={"T1", "T2", "T3", "T4", "T5", "T6"},
        country="MY",
    )
    e = engine(taxonomy, [c], [usm])

    found, en, ja = _explained(e, labels, ("Universiti Sains Malaysia", "マレーシア科学大学"))

    assert e.rank()["C"][0].values["thrust"] == pytest.approx(1 / 6)
    assert found["against"] == []
    assert en.text == (
        "Universiti Sains Malaysia is a university in Malaysia, a member state you prioritise: a "
        "partner for talent and training. You offer workforce training and upskilling, which "
        "Universiti Sains Malaysia needs. You and Universiti Sains Malaysia both work on Thrust 6 "
        "(Talent Development and Mobility)."
    )
    assert ja.text == (
        "マレーシア科学大学は御社が重視するマレーシアの大学で、人材育成の連携先となる。"
        "マレーシア科学大学が必要とする技能研修・リスキリングを御社が提供できる。"
        "御社とマレーシア科学大学はともに戦略課題6（人材育成と流動性）に取り組んでいる。"
    )


def test_an_initiative_is_explained_by_its_thrust_and_what_it_draws_on(taxonomy, labels):
    c = company(offers={"TAL.UNIVERSITY"}, thrusts={"T6"})
    linkages = initiative("T6-02", needs={"TAL.UNIVERSITY"}, thrusts={"T6"})

    _found, en, ja = _explained(
        engine(taxonomy, [c], (), [linkages]),
        labels,
        ("T6-02 Education-industry linkages", "T6-02 教育機関と産業界の連携"),
    )

    assert en.text == (
        "T6-02 Education-industry linkages falls under Thrust 6 (Talent Development and "
        "Mobility), which you work on. You offer university education and research "
        "partnerships, which T6-02 Education-industry linkages draws on."
    )
    assert ja.text == (
        "T6-02 教育機関と産業界の連携は御社が取り組む戦略課題6（人材育成と流動性）の施策である。"
        "T6-02 教育機関と産業界の連携に必要な大学連携（教育・研究）を御社が提供できる。"
    )


def test_a_row_stored_before_structured_reasons_still_reads_without_contradicting_itself(labels):
    # Stored by the earlier engine: "both on T3" and, against, "no shared thrust".
    old = {
        "give": ["EQP.SERVICE"],
        "partial": ["EQP.DEP"],
        "thrusts": ["T3"],
        "counterpart_thrusts": ["T1", "T2", "T3"],
        "country": "MY",
        "country_fit": "priority",
        "against": "thrust",
    }
    components = {
        "capability": {"value": 0.6, "contribution": 0.2},
        "text": {"value": 0.2, "contribution": 0.05},
        "thrust": {"value": 0.33, "contribution": 0.04},
        "country": {"value": 1.0, "contribution": 0.1},
    }

    found = structure(old, components)
    en = render(found, counterpart="PDC", kind=ORGANIZATION, lang="en", labels=labels)

    assert found["against"] == []
    assert en.text == (
        "Malaysia is a member state you prioritise. You offer equipment service, maintenance and "
        "leasing, which PDC needs. You and PDC both work on Thrust 3 (Supply Chain Hubs and "
        "Clusters). PDC needs deposition equipment (CVD, PVD, ALD); you offer capabilities in "
        "the same field."
    )
    assert (
        render(
            structure({}, {}), counterpart="PDC", kind=ORGANIZATION, lang="ja", labels=labels
        ).text
        == ""
    )


def test_a_fab_is_explained_by_what_its_production_uses_when_its_needs_do_not_list_it(
    taxonomy, labels
):
    wafers = company(org_type="materials_chemicals", offers={"MAT.WAFER"}, thrusts={"T1"})
    fab = institution(
        "Fab", org_type="manufacturer", offers={"MFG.FRONTEND"}, needs={"EQP.DEP"}, thrusts={"T1"}
    )
    e = engine(taxonomy, [wafers], [fab])

    found, en, ja = _explained(e, labels, ("SilTerra Malaysia", "シルテラ・マレーシア"))

    capability = [x for x in found["for"] if x["code"] == "capability"]
    assert [(x["company"], x["counterpart"]) for x in capability] == [
        (["MAT.WAFER"], ["makes:MFG.FRONTEND"])
    ]
    assert en.reasons[1] == (
        "SilTerra Malaysia runs front-end wafer fabrication (mature nodes), which uses your "
        "silicon wafers"
    )
    assert ja.reasons[1] == (
        "シルテラ・マレーシアの前工程ウェーハ製造（成熟ノード）に御社のシリコンウェーハが使われる"
    )
