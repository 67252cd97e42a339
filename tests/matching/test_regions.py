"""Regions of the member states (matching.regions): the places named in an organization's
texts say where a company's sites are and which area a state agency or a park serves; the role
factor of such an agency or park follows how the company's sites stand to its area. Plain data,
no database: every figure below is worked out from roles.TYPE_FIT and roles.REGION_FACTOR."""

import pytest

from matching import roles
from matching.evaluation import reference_from_csv
from matching.explain import Labels, render
from matching.features import ORGANIZATION
from matching.fusion import DEFAULT_WEIGHTS
from matching.reasons import reasons
from matching.regions import ELSEWHERE, NEAR, SITE, gazetteer
from matching.scoring import Request
from matching.structured import components_of, structure
from tests.matching.test_scoring import company, engine, institution


@pytest.fixture(scope="module")
def taxonomy():
    return reference_from_csv()[0]


MEMBER_STATES = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN")


@pytest.mark.parametrize(
    "text, countries, expected",
    [
        ("MLCC plant in Kuching, Sarawak", MEMBER_STATES, {"MY-13"}),
        ("InvestPenang", ("MY",), {"MY-07"}),
        ("runs Bayan Lepas FIZ and Batu Kawan Industrial Park", ("MY",), {"MY-07"}),
        ("ペナン州の後工程工場", MEMBER_STATES, {"MY-07"}),
        ("Đà Nẵng hi-tech park", ("VN",), {"VN-DN"}),
        ("DA NANG", ("VN",), {"VN-DN"}),
        ("Taiyo Yuden (Philippines) in Lapu-Lapu City, Cebu", MEMBER_STATES, {"PH-CEB"}),
        (
            "high-tech zone across Chonburi; Rayong and Chachoengsao",
            ("TH",),
            {"TH-20", "TH-21", "TH-24"},
        ),
        # A place of another member state is not the institution's area.
        ("hosts tenants from Penang", ("TH",), set()),
        # Words that merely contain a place name, and katakana that contains one, name none.
        ("Perakendeli Kuchingly ワクチン工場 セブンイレブン", MEMBER_STATES, set()),
        ("", MEMBER_STATES, set()),
    ],
)
def test_the_gazetteer_finds_the_regions_a_text_names(text, countries, expected):
    assert gazetteer().find(text, countries) == expected


@pytest.mark.parametrize(
    "sites, area, expected",
    [
        ({"MY-13"}, {"MY-13"}, SITE),
        ({"MY-02"}, {"MY-07"}, NEAR),  # Kedah and Penang: one corridor
        ({"MY-03"}, {"MY-07"}, ELSEWHERE),  # Kelantan
        ({"MY-03", "MY-07"}, {"MY-07"}, SITE),
        ({"PH-CEB"}, {"MY-07"}, ""),  # no known site in Malaysia: any state may be next
        (set(), {"MY-07"}, ""),
        ({"MY-03"}, set(), ""),  # a federal agency names no region
        ({"TH-51"}, {"TH-20", "TH-21", "TH-24"}, ELSEWHERE),
    ],
)
def test_how_a_company_s_sites_stand_to_an_area(sites, area, expected):
    assert gazetteer().relation(sites, area) == expected


def _penang_park(**kw):
    return institution(
        "park",
        org_type="industrial_park",
        country="MY",
        text="Penang park: Bayan Lepas and Batu Kawan",
        needs={"EQP.TEST"},
        **kw,
    )


def _tester(key, text):
    return company(
        key,
        org_type="equipment",
        offers={"EQP.TEST"},
        presence_countries={"MY"},
        text=text,
    )


def test_a_park_s_role_factor_follows_the_company_s_sites(taxonomy):
    fit = roles.TYPE_FIT["equipment"]["industrial_park"]  # 0.45
    presence = 0.8  # matching.features.PRESENCE_WEIGHT: the country value, fully bound
    e = engine(
        taxonomy,
        [
            _tester("penang", "test handlers; plant in Batu Kawan"),
            _tester("kedah", "test handlers; plant in Kulim"),
            _tester("kelantan", "test handlers; plant in Kota Bharu"),
            _tester("unknown", "test handlers; a plant in Malaysia"),
        ],
        [_penang_park()],
    )
    ranked = e.rank(None, Request(min_score=0.0))
    role = {key: ranked[key][0].values["role"] for key in ranked}

    assert role["penang"] == pytest.approx(min(1.0, fit * presence * 1.5))  # 0.54
    assert role["kedah"] == pytest.approx(fit * presence * 0.6)  # 0.216
    assert role["kelantan"] == pytest.approx(fit * presence * 0.35)  # 0.126
    assert role["unknown"] == pytest.approx(fit * presence)  # 0.36
    scores = {key: ranked[key][0].score for key in ranked}
    assert scores["penang"] > scores["unknown"] > scores["kedah"] > scores["kelantan"]


def test_the_role_factor_of_a_site_s_agency_stays_at_most_one(taxonomy):
    agency = institution(
        "agency",
        org_type="investment_agency",
        country="MY",
        text="InvestPenang",
        needs={"EQP.TEST"},
    )
    c = company(
        "c",
        org_type="integrated",
        offers={"EQP.TEST"},
        priority_countries={"MY"},
        text="plant in Penang",
    )
    e = engine(taxonomy, [c], [agency])
    m = e.rank(None, Request(min_score=0.0))["c"][0]
    # 0.85 (integrated × investment agency) × 1 (priority) × 1.5 → 1.
    assert m.values["role"] == pytest.approx(1.0)


def test_a_university_or_a_federal_agency_is_not_bound_to_a_region(taxonomy):
    e = engine(
        taxonomy,
        [_tester("kelantan", "plant in Kota Bharu")],
        [
            institution(
                "usm", org_type="university", country="MY", text="Penang campus", needs={"EQP.TEST"}
            ),
            institution(
                "mida",
                org_type="investment_agency",
                country="MY",
                text="federal investment promotion agency",
                needs={"EQP.TEST"},
            ),
        ],
    )
    ranked = {m.counterpart: m for m in e.rank(None, Request(min_score=0.0))["kelantan"]}
    assert ranked["usm"].values["role"] == pytest.approx(
        roles.role_factor("equipment", "university", 0.8)
    )
    assert ranked["mida"].values["role"] == pytest.approx(
        roles.role_factor("equipment", "investment_agency", 0.8)
    )


def _explained(taxonomy, text):
    e = engine(taxonomy, [_tester("c", text)], [_penang_park()])
    m = e.rank(None, Request(min_score=0.0))["c"][0]
    codes = reasons(e, m, DEFAULT_WEIGHTS)
    structured = structure(
        codes, components_of(m), kind=ORGANIZATION, purpose="investment_incentives"
    )
    labels = Labels(
        states={"MY": ("Malaysia", "マレーシア")},
        org_types={"industrial_park": ("Industrial park", "工業団地・経済特区")},
        capabilities={"EQP.TEST": ("Test equipment", "検査装置")},
    )
    texts = {
        lang: render(
            structured, counterpart="the park", kind=ORGANIZATION, lang=lang, labels=labels
        )
        for lang in ("en", "ja")
    }
    return codes, structured, texts


def test_a_park_of_another_state_says_so_against_it_in_both_languages(taxonomy):
    codes, structured, texts = _explained(taxonomy, "plant in Kota Bharu")

    assert codes["region"] == ["elsewhere", "MY-07"]
    assert codes["sites"] == ["MY-03"]
    region = [x for x in structured["against"] if x["code"] == "region"]
    assert [(x["company"], x["counterpart"]) for x in region] == [
        (["MY-03"], ["elsewhere", "MY-07"])
    ]
    assert region[0]["contribution"] < 0
    assert texts["en"].against == "the park serves Penang; your sites in Malaysia are in Kelantan"
    assert (
        "懸念：the parkの対象地域はペナン州で、御社のマレーシアの拠点（クランタン州）とは異なる。"
        in texts["ja"].text
    )


def test_a_park_of_a_neighbouring_state_and_of_the_company_s_own(taxonomy):
    _codes, _structured, near = _explained(taxonomy, "plant in Kulim")
    assert "the park serves Penang, next to Kedah where your site is" in near["en"].against_all

    codes, structured, own = _explained(taxonomy, "plant in Batu Kawan")
    assert codes["region"] == ["site", "MY-07"]
    role = next(x for x in structured["for"] if x["code"] == "role")
    assert role["company"] == ["presence:MY", "site:MY-07"]
    assert role["counterpart"] == ["industrial_park", "investment_incentives", "MY", "MY-07"]
    assert own["en"].reasons[0] == (
        "The park is an industrial park in Penang (Malaysia), where you have a site: "
        "a route to investment incentives"
    )
    assert own["ja"].reasons[0] == (
        "the parkは御社の拠点があるペナン州（マレーシア）の工業団地・経済特区で、"
        "投資・優遇措置の窓口となる"
    )
    assert not [x for x in structured["against"] if x["code"] == "region"]
