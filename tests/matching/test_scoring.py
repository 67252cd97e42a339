"""The scoring engine on plain data: no database. Profiles come from the reference fixtures and
small hand-made directories, so every number below can be worked out by hand."""

import math

import pytest

from matching.baseline import rank_loop
from matching.evaluation import demo_from_csv, reference_from_csv
from matching.explain import Labels, render
from matching.features import (
    COMPANY,
    INITIATIVE,
    ORGANIZATION,
    PARTIAL_CREDIT,
    PRODUCT_LINE_CREDIT,
    SUPPLY_CREDIT,
    Profile,
    fingerprint,
)
from matching.fusion import COMPONENTS, DEFAULT_WEIGHTS, check_weights, contributions, fuse_values
from matching.live import LiveStatus
from matching.partnership_types import infer_partnership_type
from matching.reasons import reasons
from matching.scoring import Engine, Request
from matching.structured import components_of, structure


@pytest.fixture(scope="module")
def reference():
    return reference_from_csv()


@pytest.fixture(scope="module")
def taxonomy(reference):
    return reference[0]


@pytest.fixture(scope="module")
def priorities(reference):
    return reference[1]


def company(key="C", **kw):
    kw.setdefault("org_type", "equipment")
    kw.setdefault("country", "JP")
    return Profile(key=key, kind=COMPANY, **_sets(kw))


def institution(key="I", **kw):
    """An institution of no known type unless one is given, so that the role factor
    (matching.roles) is neutral and the numbers below are the components' alone."""
    kw.setdefault("country", "MY")
    kw.setdefault("org_type", "")
    return Profile(key=key, kind=ORGANIZATION, **_sets(kw))


def initiative(key, **kw):
    return Profile(key=key, kind=INITIATIVE, **_sets(kw))


def _sets(kw):
    sets = (
        "offers",
        "needs",
        "thrusts",
        "type_thrusts",
        "priority_countries",
        "presence_countries",
        "excluded_countries",
        "excluded_org_types",
    )
    return {k: frozenset(v) if k in sets else v for k, v in kw.items()}


def engine(taxonomy, companies, institutions=(), initiatives=()):
    return Engine(
        taxonomy,
        list(companies),
        {ORGANIZATION: list(institutions), INITIATIVE: list(initiatives)},
    )


def only(result, key):
    return {m.counterpart: m for m in result[key]}


# --- Text: Japanese meets English ---------------------------------------------------------------


def test_the_tagger_reads_the_same_capability_in_japanese_and_in_english(taxonomy):
    tagger = engine(taxonomy, []).space.tagger

    assert tagger.tags("フォトレジストと高純度薬液を製造") == {"MAT.RESIST", "MAT.CHEM"}
    assert tagger.tags("photoresist supply for a new fab") == {"MAT.RESIST"}
    assert tagger.tags("ＡＴＥ and ﾌｫﾄﾚｼﾞｽﾄ") == {"EQP.TEST", "MAT.RESIST"}


def test_the_tagger_needs_whole_words_and_the_case_of_acronyms(taxonomy):
    tagger = engine(taxonomy, []).space.tagger

    assert tagger.tags("silicon carbide wafers") == {"MAT.COMPOUND", "MAT.WAFER"}
    assert "APP.AUTO" not in tagger.tags("silicon carbide")
    assert tagger.tags("we ate lunch at the hf office") == frozenset()


def test_a_japanese_only_profile_meets_an_english_need(taxonomy, priorities):
    jp = company(
        "resist-maker",
        org_type="materials_chemicals",
        type_thrusts=priorities["materials_chemicals"],
        text="フォトレジストと高純度薬液を製造",
    )
    fab = institution("new-fab", org_type="manufacturer", text="photoresist supply for a new fab")
    other = institution("design-hub", text="IC design and EDA training for students")

    ranked = engine(taxonomy, [jp], [fab, other]).rank()["resist-maker"]

    assert [m.counterpart for m in ranked][:1] == ["new-fab"]
    assert ranked[0].values["text"] == pytest.approx(1.0)
    assert ranked[0].values["thrust"] == pytest.approx(0.75)  # T1 is a priority of its type


# --- Capability fit -------------------------------------------------------------------------


def test_a_need_met_by_another_capability_of_its_branch_earns_partial_credit(taxonomy):
    e = engine(
        taxonomy,
        [company(offers={"DES.EDA"}, thrusts={"T2"})],
        [institution(needs={"DES.IC"}, thrusts={"T2"})],
    )

    assert e.rank()["C"][0].values["capability"] == pytest.approx(PARTIAL_CREDIT)


def test_another_product_line_of_equipment_or_materials_earns_only_a_token(taxonomy):
    """Etching tools do not meet a need for deposition tools; silicon wafers do not meet a SiC
    fab's need for compound materials."""
    e = engine(
        taxonomy,
        [
            company("etch", offers={"EQP.ETCH"}, thrusts={"T1"}),
            company("wafers", org_type="materials_chemicals", offers={"MAT.WAFER"}),
        ],
        [
            institution("dep", needs={"EQP.DEP"}, thrusts={"T1"}),
            institution("sic", needs={"MAT.COMPOUND"}, thrusts={"T1"}),
        ],
    )
    ranked = e.rank(None, Request(min_score=0.0))

    assert only(ranked, "etch")["dep"].values["capability"] == pytest.approx(PRODUCT_LINE_CREDIT)
    assert only(ranked, "wafers")["sic"].values["capability"] == pytest.approx(PRODUCT_LINE_CREDIT)


def test_manufacturing_shares_know_how_within_a_process_family_only(taxonomy):
    """A power-device fab's know-how partly meets a front-end need (both process wafers); an
    MLCC plant's does not, nor does assembly and test."""
    e = engine(
        taxonomy,
        [
            company("power", org_type="integrated", offers={"MFG.POWER"}, thrusts={"T1"}),
            company("mlcc", org_type="components", offers={"MFG.PASSIVE"}, thrusts={"T1"}),
            company("osat", org_type="integrated", offers={"MFG.ATP"}, thrusts={"T1"}),
        ],
        [institution("fab", needs={"MFG.FRONTEND"}, thrusts={"T1"})],
    )
    ranked = e.rank(None, Request(min_score=0.0))

    assert only(ranked, "power")["fab"].values["capability"] == pytest.approx(PARTIAL_CREDIT)
    assert only(ranked, "mlcc")["fab"].values["capability"] == pytest.approx(PRODUCT_LINE_CREDIT)
    assert only(ranked, "osat")["fab"].values["capability"] == pytest.approx(PRODUCT_LINE_CREDIT)


def test_a_plant_buys_what_its_production_uses_at_half_the_share_of_a_declared_need(taxonomy):
    """A fab that declares it needs deposition tools also buys wafers: a need of half a share.
    A research institute making the same is not taken to buy."""
    e = engine(
        taxonomy,
        [company(org_type="materials_chemicals", offers={"MAT.WAFER"}, thrusts={"T1"})],
        [
            institution("fab", org_type="manufacturer", offers={"MFG.FRONTEND"}, needs={"EQP.DEP"}),
            institution(
                "lab", org_type="research_institute", offers={"MFG.FRONTEND"}, needs={"EQP.DEP"}
            ),
        ],
    )
    ranked = only(e.rank(None, Request(min_score=0.0)), "C")
    consumed = e.profile(ORGANIZATION, "fab")[1].consumes

    # Front-end production uses 11 supplies (SUPPLIES), deposition tools declared: the need is
    # 1 + 10 × 0.5 shares, wafers one half of them, and four other materials a token each.
    assert consumed["MAT.WAFER"] == "MFG.FRONTEND"
    assert sorted(consumed) == [
        "EQP.CLEAN", "EQP.CMP", "EQP.ETCH", "EQP.LITHO", "EQP.METRO",
        "MAT.CHEM", "MAT.CMP", "MAT.GAS", "MAT.RESIST", "MAT.WAFER",
    ]  # fmt: skip
    tokens = 4 * 0.5 * PRODUCT_LINE_CREDIT**2
    assert ranked["fab"].values["capability"] == pytest.approx(math.sqrt((0.5 + tokens) / 6))
    assert "lab" not in ranked or ranked["lab"].values["capability"] == 0.0


def test_what_a_counterpart_says_it_is_is_not_what_it_needs(taxonomy):
    """ "A SiC wafer fab" describes a power-device maker; it is not a need for a foundry."""
    fab = institution(
        "fab", org_type="manufacturer", offers={"MFG.POWER"}, text="Thailand's first SiC wafer fab"
    )
    e = engine(taxonomy, [company()], [fab])
    signals = e.profile(ORGANIZATION, "fab")[1]

    assert "MFG.FRONTEND" in signals.tags
    assert e.space.cap_index["MFG.FRONTEND"] not in signals.concept_need


def test_dicing_tools_serve_a_back_end_cluster_that_needs_assembly_and_test(taxonomy):
    e = engine(
        taxonomy,
        [company(offers={"EQP.DICING"}, thrusts={"T3"})],
        [institution(needs={"MFG.ATP"}, thrusts={"T3"})],
    )

    assert e.rank()["C"][0].values["capability"] == pytest.approx(SUPPLY_CREDIT)


def test_coverage_is_the_quadratic_mean_over_needs(taxonomy):
    e = engine(
        taxonomy,
        [company(offers={"EQP.DICING", "EQP.SERVICE"})],
        [institution(needs={"EQP.SERVICE", "MFG.ATP", "DES.IC"})],
    )

    value = e.rank()["C"][0].values["capability"]

    assert value == pytest.approx(math.sqrt((1 + SUPPLY_CREDIT**2 + 0) / 3), abs=1e-6)


def test_the_counterpart_offering_what_the_company_needs_counts_the_other_way(taxonomy):
    needy = company("needy", offers={"EQP.DEP"}, needs={"TAL.TRAINING"}, thrusts={"T1"})
    e = engine(
        taxonomy,
        [needy],
        [
            institution("academy", needs={"EQP.DEP"}, offers={"TAL.TRAINING"}, thrusts={"T1"}),
            institution("fab", needs={"EQP.DEP"}, thrusts={"T1"}),
        ],
    )

    got = only(e.rank(), "needy")

    assert got["academy"].values["capability_back"] == pytest.approx(1.0)
    assert got["fab"].values["capability_back"] == pytest.approx(0.0)
    assert got["academy"].score > got["fab"].score


# --- Two-sided fusion, applicability, relationship ------------------------------------------


def test_a_one_sided_match_ranks_below_a_balanced_one(taxonomy):
    c = company(offers={"EQP.DICING"}, thrusts={"T3"}, priority_countries={"MY"})
    lopsided = institution("lopsided", needs={"EQP.DICING"}, thrusts={"T6"})
    balanced = institution("balanced", needs={"EQP.DICING", "DES.IC"}, thrusts={"T3"})

    ranked = engine(taxonomy, [c], [lopsided, balanced]).rank()["C"]

    assert [m.counterpart for m in ranked] == ["balanced", "lopsided"]
    assert only({"C": ranked}, "C")["lopsided"].values["capability"] == pytest.approx(1.0)


def test_country_does_not_apply_to_initiatives_nor_capability_back_to_a_company_without_needs(
    taxonomy,
):
    e = engine(
        taxonomy,
        [company(offers={"EQP.SERVICE"}, thrusts={"T3"}, priority_countries={"MY"})],
        [institution(needs={"EQP.SERVICE"}, thrusts={"T3"})],
        [initiative("T3-04", needs={"EQP.SERVICE", "EQP.COMPONENTS"}, thrusts={"T3"})],
    )

    got = only(e.rank(), "C")

    assert got["T3-04"].values["country"] is None
    assert got["I"].values["country"] == pytest.approx(1.0)
    assert got["I"].values["capability_back"] is None


def test_a_company_naming_no_member_state_has_no_country_preference(taxonomy):
    e = engine(taxonomy, [company(offers={"EQP.SERVICE"})], [institution(needs={"EQP.SERVICE"})])

    assert e.rank()["C"][0].values["country"] is None


def test_an_existing_relationship_raises_the_score_by_at_most_its_weight(taxonomy):
    e = engine(
        taxonomy,
        [company(offers={"EQP.SERVICE"}, thrusts={"T3"})],
        [institution(needs={"EQP.SERVICE"}, thrusts={"T3"})],
    )
    cold = e.rank()["C"][0]

    warm = e.rank(request=Request(relationship={"C": {(ORGANIZATION, "I"): 1.0}}))["C"][0]

    assert cold.score == pytest.approx(1.0 - DEFAULT_WEIGHTS["relationship"], abs=1e-6)
    assert warm.score == pytest.approx(1.0, abs=1e-6)
    assert warm.values["relationship"] == 1.0


def test_contributions_add_up_to_the_score(taxonomy, priorities):
    companies, institutions = demo_from_csv(priorities)
    e = engine(taxonomy, companies[:5], institutions, reference_from_csv()[2])
    request = Request(limits={ORGANIZATION: 5, INITIATIVE: 5}, implementation=LIVE)

    ranked = e.rank(request=request)

    assert any(m.values["implementation"] for ms in ranked.values() for m in ms)
    for matches in ranked.values():
        for m in matches:
            parts = contributions(m.values, DEFAULT_WEIGHTS)
            assert set(parts) == set(COMPONENTS)
            assert m.parts == pytest.approx([parts[k] for k in COMPONENTS], abs=1e-5)
            assert sum(parts.values()) == pytest.approx(m.score, abs=1e-5)
            assert 0.0 <= m.score <= 1.0


# --- The implementation watch ------------------------------------------------------------------

# Live statuses across the reference initiatives: launched and in progress, in several states.
LIVE = (
    LiveStatus("T6-02", "T6-02", "VN", "launched", "2026-03-01"),
    LiveStatus("T6-03", "T6-03", "MY", "in_progress", "2026-01-15"),
    LiveStatus("T3-01", "T3-01", "MY", "launched", "2025-11-01"),
    LiveStatus("T1-01", "T1-01", "SG", "launched", "2026-02-01"),
    LiveStatus("T2-01", "T2-01", "VN", "in_progress", "2026-04-01"),
)


def _vietnam(taxonomy, *, priority=("VN",), live=LIVE, university_country="VN"):
    c = company(
        offers={"TAL.TRAINING", "TAL.UNIVERSITY"}, thrusts={"T6"}, priority_countries=set(priority)
    )
    hust = institution(
        "HUST",
        country=university_country,
        org_type="university",
        offers={"TAL.UNIVERSITY"},
        needs={"TAL.UNIVERSITY", "TAL.MOBILITY"},
        thrusts={"T6"},
    )
    linkages = initiative("T6-02", needs={"TAL.UNIVERSITY"}, thrusts={"T6"})
    e = engine(taxonomy, [c], [hust], [linkages])
    # The boost is the point here, not whether a weak pair is worth suggesting.
    cold = only(e.rank(request=Request(kind_min_scores={})), "C")
    warm = only(e.rank(request=Request(implementation=live, kind_min_scores={})), "C")
    return e, cold, warm


def test_a_launch_in_a_priority_state_lifts_its_initiative_and_tied_institutions_a_little(
    taxonomy,
):
    _e, cold, warm = _vietnam(taxonomy)

    for key in ("HUST", "T6-02"):
        base = cold[key].score
        assert cold[key].values["implementation"] == 0.0
        assert warm[key].values["implementation"] == 1.0
        assert warm[key].score == pytest.approx(base + 0.1 * (1.0 - base), abs=1e-6)
        parts = dict(zip(COMPONENTS, warm[key].parts, strict=True))
        assert parts["implementation"] == pytest.approx(0.1 * (1.0 - base), abs=1e-6)
        assert sum(parts.values()) == pytest.approx(warm[key].score, abs=1e-6)


def test_in_progress_counts_for_less_than_launched(taxonomy):
    in_progress = (LiveStatus("T6-02", "T6-02", "VN", "in_progress", "2026-03-01"),)

    _e, cold, warm = _vietnam(taxonomy, live=in_progress)

    base = cold["T6-02"].score
    assert warm["T6-02"].values["implementation"] == pytest.approx(0.6)
    assert warm["T6-02"].score == pytest.approx(base + 0.1 * 0.6 * (1.0 - base), abs=1e-6)


def test_no_boost_outside_the_priority_states_nor_for_a_company_naming_none(taxonomy):
    _e, cold, elsewhere = _vietnam(taxonomy, priority=("TH",))
    _e, _cold, none = _vietnam(taxonomy, priority=())
    _e, cold_th, institution_in_thailand = _vietnam(taxonomy, university_country="TH")

    assert elsewhere["T6-02"].values["implementation"] == 0.0
    assert elsewhere["T6-02"].score == pytest.approx(cold["T6-02"].score, abs=1e-6)
    assert none["T6-02"].values["implementation"] is None
    # The launch is Vietnam's: an institution in Thailand is not reached by it.
    assert institution_in_thailand["HUST"].values["implementation"] == 0.0
    assert institution_in_thailand["HUST"].score == pytest.approx(cold_th["HUST"].score)


def test_an_institution_is_tied_to_an_initiative_by_thrust_and_capability(taxonomy):
    c = company(offers={"TAL.UNIVERSITY"}, thrusts={"T6", "T3"}, priority_countries={"VN"})
    other_thrust = institution(
        "park", country="VN", offers={"TAL.UNIVERSITY"}, needs={"TAL.UNIVERSITY"}, thrusts={"T3"}
    )
    other_capability = institution(
        "lab", country="VN", offers={"DES.IC"}, needs={"TAL.TRAINING"}, thrusts={"T6"}
    )
    e = engine(
        taxonomy,
        [c],
        [other_thrust, other_capability],
        [initiative("T6-02", needs={"TAL.UNIVERSITY"}, thrusts={"T6"})],
    )

    view = e.live_view(LIVE)

    assert view.facts[ORGANIZATION] == {}
    assert view.facts[INITIATIVE] == {0: [LIVE[0]]}


def test_a_pair_below_the_floor_is_not_lifted_into_the_list(taxonomy):
    c = company(offers={"DES.IC"}, thrusts={"T2"}, priority_countries={"VN"})
    e = engine(taxonomy, [c], (), [initiative("T6-02", needs={"TAL.UNIVERSITY"}, thrusts={"T6"})])

    assert e.rank(request=Request(implementation=LIVE, min_score=0.0))["C"][0].score == 0.0


def test_the_explanation_names_the_launch_in_english_and_japanese(taxonomy):
    e, _cold, warm = _vietnam(taxonomy)
    labels = Labels(
        states={"VN": ("Viet Nam", "ベトナム")},
        initiatives={"T6-02": ("Education-industry linkages", "教育機関と産業界の連携")},
    )
    live = e.live_view(LIVE)

    why = reasons(e, warm["HUST"], DEFAULT_WEIGHTS, live)
    found = structure(why, components_of(warm["HUST"]))
    en = render(found, counterpart="HUST", kind=ORGANIZATION, lang="en", labels=labels)
    ja = render(found, counterpart="HUST", kind=ORGANIZATION, lang="ja", labels=labels)

    assert why["implementation"] == [["VN", "T6-02", "launched", "2026-03"]]
    assert "Viet Nam launched T6-02 (Education-industry linkages) in March 2026" in en.reasons
    assert "ベトナムが2026年3月にT6-02（教育機関と産業界の連携）を開始した" in ja.reasons
    assert "implementation" not in reasons(e, warm["HUST"], DEFAULT_WEIGHTS)


def test_weights_must_leave_each_side_something_to_weigh():
    with pytest.raises(ValueError):
        check_weights({**DEFAULT_WEIGHTS, "capability": 0, "text": 0})
    with pytest.raises(ValueError):
        check_weights({**DEFAULT_WEIGHTS, "country": -0.1})


# --- Filters, not penalties ------------------------------------------------------------------


def test_hard_exclusions_remove_pairs_however_well_they_score(taxonomy):
    c = company(
        offers={"EQP.SERVICE"},
        thrusts={"T3"},
        excluded_countries={"VN"},
        excluded_org_types={"university"},
    )
    perfect = {"needs": {"EQP.SERVICE"}, "thrusts": {"T3"}}
    e = engine(
        taxonomy,
        [c],
        [
            institution("closed", accepting=False, **perfect),
            institution("in-vietnam", country="VN", **perfect),
            institution("a-university", org_type="university", **perfect),
            institution("declined-before", **perfect),
            institution("weak", needs={"EQP.COMPONENTS"}, thrusts={"T3"}),
        ],
    )

    ranked = e.rank(request=Request(excluded={"C": {(ORGANIZATION, "declined-before")}}))["C"]

    assert [m.counterpart for m in ranked] == ["weak"]


def test_only_the_best_k_above_the_minimum_are_kept(taxonomy):
    c = company(offers={"EQP.SERVICE"}, thrusts={"T3"})
    insts = [institution(f"i{n}", needs={"EQP.SERVICE"}, thrusts={"T3"}) for n in range(6)]
    insts.append(institution("nothing-in-common", needs={"TAL.MOBILITY"}, thrusts={"T6"}))
    e = engine(taxonomy, [c], insts)

    assert len(e.rank(request=Request(limits={ORGANIZATION: 3}))["C"]) == 3
    assert "nothing-in-common" not in only(
        e.rank(request=Request(min_score=0.1, limits={ORGANIZATION: 20})), "C"
    )


# --- The vectorised engine and the per-pair loop agree ---------------------------------------


def test_the_matrix_engine_and_the_per_pair_loop_give_the_same_answers(taxonomy, priorities):
    companies, institutions = demo_from_csv(priorities)
    companies[0] = Profile(**{**companies[0].__dict__, "needs": frozenset({"TAL.TRAINING"})})
    e = engine(taxonomy, companies, institutions, reference_from_csv()[2])
    request = Request(
        relationship={companies[1].key: {(ORGANIZATION, institutions[3].key): 0.5}},
        excluded={companies[2].key: {(ORGANIZATION, institutions[0].key)}},
        implementation=LIVE,
    )
    # The first eight, and companies whose sites' regions meet the parks and state agencies.
    sited = ["Advantest", "Renesas Electronics", "ROHM", "Fuji Electric", "Taiyo Yuden"]
    keys = [c.key for c in companies[:8]] + sited

    fast = e.rank(keys, request)
    slow = rank_loop(e, keys, request)

    regional = [
        m
        for key in sited
        for m in fast[key]
        if m.counterpart.startswith(("InvestPenang", "Kulim Hi-Tech Park"))
    ]
    assert len(regional) >= 6

    boosted = [m for key in keys for m in fast[key] if m.values["implementation"]]
    assert len(boosted) >= 5
    for key in keys:
        assert [m.score for m in fast[key]] == pytest.approx([m.score for m in slow[key]], abs=1e-5)
        for f, s in zip(fast[key], slow[key], strict=True):
            assert f.values.keys() == s.values.keys()
            for name, value in f.values.items():
                assert value == pytest.approx(s.values[name], abs=1e-5), (key, name)
            assert f.score == pytest.approx(fuse_values(f.values, DEFAULT_WEIGHTS), abs=1e-5)


def test_an_edited_profile_replaces_its_row_and_a_new_one_is_added(taxonomy):
    c = company(offers={"EQP.SERVICE"}, thrusts={"T3"})
    e = engine(taxonomy, [c], [institution("a", needs={"DES.IC"}, thrusts={"T3"})])
    assert e.rank()["C"] == []

    e.update(
        [
            institution("a", needs={"EQP.SERVICE"}, thrusts={"T3"}),
            institution("b", needs={"EQP.SERVICE", "DES.IC"}, thrusts={"T3"}),
        ]
    )

    got = only(e.rank(), "C")
    assert got["a"].values["capability"] == pytest.approx(1.0)
    assert got["b"].values["capability"] == pytest.approx(math.sqrt(0.5), abs=1e-6)


# --- Reasons and explanations ---------------------------------------------------------------


def _labels(taxonomy):
    return Labels(
        capabilities={c.code: (c.name_en, c.name_ja) for c in taxonomy.capabilities},
        states={"MY": ("Malaysia", "マレーシア"), "LA": ("Lao PDR", "ラオス")},
        thrusts={"T3": ("Supply Chain Hubs and Clusters", "サプライチェーン・ハブとクラスター")},
    )


def test_an_explanation_names_concrete_reasons_and_the_strongest_one_against(taxonomy):
    disco = company(
        "DISCO",
        offers={"EQP.DICING", "EQP.SERVICE"},
        thrusts={"T1", "T3", "T6"},
        priority_countries={"MY"},
    )
    needs = {"EQP.SERVICE", "MFG.ATP", "DES.IC", "DES.EDA", "TAL.MOBILITY", "SCM.TRADE"}
    penang = institution("PDC", needs=needs, thrusts={"T3"}, country="MY")
    e = engine(taxonomy, [disco], [penang])
    m = e.rank()["DISCO"][0]

    why = reasons(e, m, DEFAULT_WEIGHTS)
    found = structure(why, components_of(m))
    en = render(
        found,
        counterpart="the Penang cluster",
        kind=ORGANIZATION,
        lang="en",
        labels=_labels(taxonomy),
    )
    ja = render(found, counterpart="ペナン", kind=ORGANIZATION, lang="ja", labels=_labels(taxonomy))

    assert why["give"] == ["EQP.SERVICE"]
    assert why["supplies"] == [["EQP.DICING", "MFG.ATP"]]
    assert why["missing"] == ["DES.EDA", "DES.IC", "SCM.TRADE", "TAL.MOBILITY"]
    assert (why["country_fit"], why["thrusts"], why["against"]) == (
        "priority",
        ["T3"],
        "capability",
    )
    assert en.text == (
        "Malaysia is a member state you prioritise. You and the Penang cluster both work on "
        "Thrust 3 (Supply Chain Hubs and Clusters). You offer equipment service, maintenance "
        "and leasing, which the Penang cluster needs. The Penang cluster needs assembly, test "
        "and packaging (OSAT), which your dicing, grinding and polishing equipment can serve. "
        "Against: the Penang cluster also needs EDA tools and design enablement, IC design "
        "services and trade facilitation and customs, which you do not offer."
    )
    assert ja.reasons[:2] == [
        "マレーシアは御社が重視する加盟国である",
        "御社とペナンはともに戦略課題3（サプライチェーン・ハブとクラスター）に取り組んでいる",
    ]
    assert ja.against == (
        "ペナンが必要とするEDAツール・設計環境、IC設計、貿易円滑化・通関は御社の提供範囲外"
    )


def test_the_reason_against_a_pair_in_a_member_state_the_company_ignores_is_the_country(taxonomy):
    c = company(offers={"EQP.SERVICE"}, thrusts={"T3"}, priority_countries={"MY"})
    e = engine(taxonomy, [c], [institution(needs={"EQP.SERVICE"}, thrusts={"T3"}, country="LA")])
    m = e.rank()["C"][0]

    text = render(
        structure(reasons(e, m, DEFAULT_WEIGHTS), components_of(m)),
        counterpart="X",
        kind=ORGANIZATION,
        lang="en",
        labels=_labels(taxonomy),
    ).text

    assert text.endswith(
        "Against: Lao PDR is neither a member state you prioritise nor one you are present in."
    )


def test_a_rejection_stands_until_what_matching_reads_changes(taxonomy):
    tagger = engine(taxonomy, []).space.tagger
    before = company(text="We make photoresists.")
    reworded = company(text="Our photoresists are the best.")
    new_line = company(text="We make photoresists and CMP slurry.")

    def fp(p):
        return fingerprint(p, tagger.tags(p.text))

    assert fp(before) == fp(reworded)
    assert fp(before) != fp(new_line)


@pytest.mark.parametrize(
    ("matched", "counterpart_type", "thrust", "expected"),
    [
        (["EQP.SERVICE"], "industrial_park", "", "service_hub"),
        (["EQP.DEP"], "manufacturer", "", "supply_agreement"),
        (["TAL.TRAINING"], "university", "", "training_programme"),
        ([], "university", "", "training_programme"),
        (["MAT.MINERAL"], "", "T1", "materials_processing"),
        ([], "", "T2", "joint_rd_centre"),
    ],
)
def test_the_partnership_type_is_inferred_from_what_the_company_brings(
    matched, counterpart_type, thrust, expected
):
    assert (
        infer_partnership_type(matched=matched, counterpart_type=counterpart_type, thrust=thrust)
        == expected
    )


def test_an_association_is_worth_something_to_a_device_maker_only_where_it_operates(taxonomy):
    """SFAM gathers Malaysia's fabs: buyers for a toolmaker wherever it is, nothing to a memory
    maker with no ASEAN plant; to one with a Malaysian plant it is a channel."""
    sfam = institution(
        "sfam", org_type="industry_association", needs={"MFG.FRONTEND"}, thrusts={"T1"}
    )
    e = engine(
        taxonomy,
        [
            company("memory", org_type="integrated", offers={"MFG.FRONTEND"}, thrusts={"T1"}),
            company(
                "kulim",
                org_type="integrated",
                offers={"MFG.FRONTEND"},
                thrusts={"T1"},
                presence_countries={"MY"},
                priority_countries={"MY"},
            ),
            company("tools", offers={"EQP.DEP"}, thrusts={"T1"}),
        ],
        [sfam],
    )
    ranked = e.rank(None, Request(min_score=0.0))
    loop = rank_loop(e, ["memory", "kulim", "tools"], Request(min_score=0.0))

    assert "sfam" not in only(ranked, "memory") and "sfam" not in only(loop, "memory")
    assert only(ranked, "kulim")["sfam"].values["role"] == pytest.approx(0.5)
    # An equipment maker keeps the part of the worth that does not depend on the country.
    assert only(ranked, "tools")["sfam"].values["role"] == pytest.approx(0.75 * 0.4)
    assert only(loop, "tools")["sfam"].score == pytest.approx(only(ranked, "tools")["sfam"].score)


def test_a_training_academy_is_worth_something_only_where_the_company_employs_people(taxonomy):
    """ASEM upskills Malaysia's assembly, test and design staff: worth a design house's time
    with a Malaysian office (its whole fit), a little less with presence only, nothing to one
    with no one in Malaysia. A university that also trains keeps its research worth anywhere."""
    academy = institution(
        "asem",
        org_type="technology_transfer",
        offers={"TAL.TRAINING"},
        needs={"TAL.TRAINING", "MFG.ATP", "DES.IC"},
        thrusts={"T6"},
    )
    university = institution(
        "usm",
        org_type="university",
        offers={"TAL.TRAINING", "RND.JOINT"},
        needs={"DES.IC"},
        thrusts={"T6"},
    )
    design = {"org_type": "design_ip", "offers": {"DES.IC"}, "thrusts": {"T6"}}
    e = engine(
        taxonomy,
        [
            company("nowhere", **design),
            company("office", **design, priority_countries={"MY"}),
            company("present", **design, presence_countries={"MY"}),
        ],
        [academy, university],
    )
    ranked = e.rank(None, Request(min_score=0.0))
    loop = rank_loop(e, ["nowhere", "office", "present"], Request(min_score=0.0))

    assert e.profile(ORGANIZATION, "asem")[1].local is True
    assert e.profile(ORGANIZATION, "usm")[1].local is False
    assert "asem" not in only(ranked, "nowhere") and "asem" not in only(loop, "nowhere")
    assert only(ranked, "office")["asem"].values["role"] == pytest.approx(0.7)
    assert only(ranked, "present")["asem"].values["role"] == pytest.approx(0.7 * 0.8)
    assert only(loop, "present")["asem"].score == pytest.approx(
        only(ranked, "present")["asem"].score
    )
    # The university's worth is 70 % bound to the country (roles.COUNTRY_BOUND), 30 % free.
    assert only(ranked, "nowhere")["usm"].values["role"] == pytest.approx(0.7 * 0.3)
