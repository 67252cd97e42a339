"""Who buys, who funds, who trains and who builds what: the roles of ASEAN organizations and
the purpose a suggestion serves. Pure: plain data in, numbers out.

Capability overlap alone treats every counterpart as a customer: an investment agency that
"needs" front-end manufacturing looks like a buyer of etch tools, a training academy like a
buyer of test equipment. Here each institution type has a role in the ecosystem, and each kind
of Japanese company values each role differently:

- `TYPE_ROLES`: institution type → (role, purpose it serves a company). An investment agency's
  purpose is investment & incentives, never customer.
- `TYPE_FIT`: company type × institution type → how much that kind of counterpart is worth to that
  kind of company, from what the report asks each company type to pursue (equipment makers:
  fabs, shared facilities and service hubs; design houses: technology transfer, design training,
  joint R&D; device makers: joint ventures, investment, talent; materials: fabs and materials
  processing). It multiplies the capability and thrust match; it is a rule of the domain, not a
  weight, so the learning loop (which fits the weights) cannot undo it.
- `COUNTRY_BOUND`: how much of that worth depends on being where the company is or means to be.
  An investment agency or an industrial park matters in the member states the company operates
  in or prioritises; a fab buys tools wherever it is. `COUNTRY_BOUND_FOR` sets it apart for a
  company type (an association, to a device maker, only where it operates). A `local` one (a
  training academy: features.LOCAL_OFFERS) is wholly bound to the country, whatever its type.

The role factor of a pair is
    fit × ((1 − bound) + bound × country)
with `country` the pair's country component (priority 1, presence 0.8, ASEAN-wide 0.6, else 0).

An agency or a park of one region (InvestPenang, Kulim Hi-Tech Park: matching.regions) serves
the companies in that region and those going there. Where a company's sites in that member state
are all elsewhere (ROHM in Kelantan, Taiyo Yuden in Sarawak), the role factor is multiplied by
`REGION_FACTOR` of the pair's relation: a neighbouring region of the same corridor keeps part of
the worth, another region little; the region of one of its sites raises it (to at most 1). A
company with no known site in the member state is not affected: any region may be where it goes.

Initiatives have no institution type; the report's reading of an initiative (provenance
`report`) is worth less than a programme a government announced or the framework adopted:
`PROVENANCE_FACTOR`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

# Roles of organizations in the ecosystem.
MANUFACTURER = "manufacturer"
RESEARCH = "research"
EDUCATION = "education"
GOVERNMENT = "government"
ASSOCIATION = "association"
SERVICE = "service"
ROLES = (MANUFACTURER, RESEARCH, EDUCATION, GOVERNMENT, ASSOCIATION, SERVICE)

# The purpose a suggestion serves the company.
CUSTOMER = "customer"
SUPPLIER = "supplier"
RND_PARTNER = "rnd_partner"
TALENT_PARTNER = "talent_partner"
INVESTMENT = "investment_incentives"
CHANNEL = "channel"
PURPOSES = (CUSTOMER, SUPPLIER, RND_PARTNER, TALENT_PARTNER, INVESTMENT, CHANNEL)

# Institution type → its role, and the purpose it serves a company by default.
TYPE_ROLES: dict[str, tuple[str, str]] = {
    "manufacturer": (MANUFACTURER, CUSTOMER),
    "mineral_processing": (MANUFACTURER, SUPPLIER),
    "design_house": (SERVICE, CUSTOMER),
    "research_institute": (RESEARCH, RND_PARTNER),
    "technology_transfer": (RESEARCH, RND_PARTNER),
    "university": (EDUCATION, TALENT_PARTNER),
    "investment_agency": (GOVERNMENT, INVESTMENT),
    "government": (GOVERNMENT, INVESTMENT),
    "industrial_park": (GOVERNMENT, INVESTMENT),
    "industry_association": (ASSOCIATION, CHANNEL),
    "regional_body": (ASSOCIATION, CHANNEL),
}

# Company type → institution type → worth. Unknown types on either side are neutral (1.0).
TYPE_FIT: dict[str, dict[str, float]] = {
    "equipment": {
        "manufacturer": 1.0,
        "research_institute": 0.7,  # pilot lines and shared facilities buy tools
        "industry_association": 0.75,  # SEMI-style associations gather the buyers
        "investment_agency": 0.6,  # service hubs and local assembly
        "industrial_park": 0.45,  # a site question: the agency decides the incentives
        "university": 0.45,  # field-service technicians
        "government": 0.35,
        "technology_transfer": 0.3,
        "regional_body": 0.25,
        "design_house": 0.1,
        "mineral_processing": 0.05,
    },
    "materials_chemicals": {
        "manufacturer": 1.0,
        "mineral_processing": 0.3,  # feedstock (rare earths, gallium) for a few of them only
        "research_institute": 0.6,
        "industry_association": 0.6,
        "investment_agency": 0.55,
        "industrial_park": 0.4,
        "university": 0.35,
        "government": 0.35,
        "technology_transfer": 0.25,
        "regional_body": 0.25,
        "design_house": 0.05,
    },
    "design_ip": {
        "design_house": 1.0,
        "university": 0.7,  # design training, RISC-V
        "technology_transfer": 0.7,
        "research_institute": 0.6,
        "manufacturer": 0.5,  # foundry partners
        "industry_association": 0.35,
        "investment_agency": 0.3,
        "government": 0.3,
        "industrial_park": 0.2,
        "regional_body": 0.2,
        "mineral_processing": 0.0,
    },
    "integrated": {
        "investment_agency": 0.85,
        "manufacturer": 0.7,  # joint ventures, foundry and OSAT partners
        "university": 0.65,
        "industrial_park": 0.45,
        "government": 0.55,
        "research_institute": 0.55,
        "industry_association": 0.5,
        "technology_transfer": 0.4,
        "design_house": 0.35,
        "regional_body": 0.25,
        "mineral_processing": 0.1,
    },
    "components": {
        "investment_agency": 0.85,
        "industrial_park": 0.5,
        "industry_association": 0.55,
        "government": 0.5,
        "university": 0.5,
        "manufacturer": 0.35,
        "research_institute": 0.35,
        "technology_transfer": 0.25,
        "regional_body": 0.2,
        "design_house": 0.1,
        "mineral_processing": 0.05,
    },
}

# Institution type → share of its worth that depends on the company being (or meaning to be)
# in its member state.
COUNTRY_BOUND: dict[str, float] = {
    "investment_agency": 1.0,
    "industrial_park": 1.0,
    "government": 0.9,
    "university": 0.7,
    "industry_association": 0.6,
    "technology_transfer": 0.6,
    "research_institute": 0.4,
    "manufacturer": 0.3,
    "design_house": 0.3,
    "mineral_processing": 0.3,
    "regional_body": 0.0,
}

# Where a company type values an institution type for other reasons than the table above says.
# A device maker (integrated, components) sells to electronics makers worldwide, not to an
# association's members: an association is worth something to it only where it operates
# (suppliers, hires, a voice in policy), as an agency is. Equipment and materials makers sell to
# the members, wherever they are.
COUNTRY_BOUND_FOR: dict[str, dict[str, float]] = {
    "integrated": {"industry_association": 1.0},
    "components": {"industry_association": 1.0},
}

# Institution types whose worth is bound to the region they serve, when they name one (a state
# agency, an industrial park). A federal agency or a ministry names none; a university or a fab
# is worth a visit from anywhere in the country.
REGIONAL_TYPES = frozenset({"investment_agency", "industrial_park"})
# The relation of the company's sites to that region (matching.regions) → factor (the role
# factor stays at most 1). Site: the park that hosts the company's plant, or the state agency
# that handled it, is worth more than any other of its type (at least as much as the federal
# agency: Kulim Hi-Tech Park to Fuji Electric's Kulim fab, InvestPenang to Advantest). Near: a
# neighbouring state of the same corridor (Kedah and Penang), where the agency still handles
# suppliers and hires; elsewhere: another state's machinery, which the company would meet only
# if it chose to build there.
REGION_FACTOR: dict[str, float] = {"site": 1.5, "near": 0.6, "elsewhere": 0.35}

PROVENANCE_FACTOR: dict[str, float] = {
    "official": 1.0,
    "announced": 0.9,
    "report": 0.6,
}
DEFAULT_PROVENANCE_FACTOR = 1.0

# An initiative's purpose follows its thrust (thrusts.csv: T1 infrastructure, T2 technology
# transfer, T3 clusters, T4 policy and incentives, T5 market access, T6 talent).
THRUST_PURPOSES: dict[str, str] = {
    "T1": CUSTOMER,
    "T2": RND_PARTNER,
    "T3": INVESTMENT,
    "T4": INVESTMENT,
    "T5": CHANNEL,
    "T6": TALENT_PARTNER,
}


def thrust_exempt(org_type: str) -> bool:
    """Government bodies (ministries, investment agencies, industrial parks) declare a policy
    area as their thrust, not a technology: the thrust component does not apply to them, their
    worth is carried by the role factor and the country."""
    return TYPE_ROLES.get(org_type, ("", ""))[0] == GOVERNMENT


def types_serving_none_of(purposes: Sequence[str]) -> set[str]:
    """The institution types whose purpose is none of `purposes` (a company's strategy names
    the purposes it seeks; the others' types are left out of its suggestions)."""
    wanted = set(purposes)
    out = set()
    for org_type, (role, default) in TYPE_ROLES.items():
        serves = {default}
        if role == MANUFACTURER:
            serves |= {CUSTOMER, SUPPLIER}
        if org_type == "design_house":
            serves |= {CUSTOMER, RND_PARTNER}
        if not serves & wanted:
            out.add(org_type)
    return out


# The purpose each kind of concrete opportunity serves (matching.features kinds): a project is
# a plant being built and equipped, a customer; an incentive serves investment.
KIND_PURPOSES: dict[str, str] = {"project": CUSTOMER, "incentive": INVESTMENT}


def kinds_serving_none_of(purposes: Sequence[str]) -> frozenset[str]:
    """The counterpart kinds (project, incentive) whose purpose is none of `purposes`."""
    wanted = set(purposes)
    return frozenset(kind for kind, served in KIND_PURPOSES.items() if served not in wanted)


def fit(company_type: str, org_type: str) -> float:
    table = TYPE_FIT.get(company_type)
    if table is None:
        return 1.0
    return table.get(org_type, 1.0)


def role_factor(
    company_type: str, org_type: str, country: float | None, region: str = "", local: bool = False
) -> float:
    """The role factor of one company × institution pair (see the module's docstring);
    `region` is how the company's sites stand to the area the institution serves
    (matching.regions.relation), "" for an institution of no one region."""
    bound = 1.0 if local else country_bound(company_type, org_type)
    worth = fit(company_type, org_type) * ((1.0 - bound) + bound * (country or 0.0))
    return min(1.0, worth * region_factor(org_type, region))


def country_bound(company_type: str, org_type: str) -> float:
    """The share of an institution's worth to a company that depends on the company being in
    its member state (COUNTRY_BOUND, COUNTRY_BOUND_FOR)."""
    specific = COUNTRY_BOUND_FOR.get(company_type, {})
    return specific.get(org_type, COUNTRY_BOUND.get(org_type, 0.0))


def region_factor(org_type: str, region: str) -> float:
    """What serving one region does to an institution's worth (1 where it does not apply)."""
    if org_type not in REGIONAL_TYPES:
        return 1.0
    return REGION_FACTOR.get(region, 1.0)


def provenance_factor(provenance: str) -> float:
    return PROVENANCE_FACTOR.get(provenance, DEFAULT_PROVENANCE_FACTOR)


def purpose(
    company_type: str,
    org_type: str,
    *,
    offers_what_company_needs: bool = False,
    thrust: str = "",
    initiative: bool = False,
    kind: str = "",
) -> str:
    """The purpose a suggestion serves: from the counterpart's role, and for an initiative from
    its thrust. An agency is never a customer."""
    if kind in KIND_PURPOSES:
        # A plant being built buys (for its owner's suppliers it is a customer); an incentive
        # serves investment.
        return KIND_PURPOSES[kind]
    if initiative:
        return THRUST_PURPOSES.get(thrust, RND_PARTNER)
    role, default = TYPE_ROLES.get(org_type, (RESEARCH, RND_PARTNER))
    if role == MANUFACTURER and offers_what_company_needs:
        return SUPPLIER
    if org_type == "design_house" and company_type != "design_ip":
        return RND_PARTNER
    return default


def type_fit_matrices(
    company_types: Sequence[str], org_types: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(free, bound): companies × institution types, the worth that does not depend on the
    country and the worth that does. role = free @ T.T + country ∘ (bound @ T.T) for the
    institutions' one-hot type matrix T."""
    free = np.ones((len(company_types), len(org_types)), dtype=np.float32)
    bound = np.zeros_like(free)
    for i, ctype in enumerate(company_types):
        for t, otype in enumerate(org_types):
            share = country_bound(ctype, otype)
            worth = fit(ctype, otype)
            free[i, t] = worth * (1.0 - share)
            bound[i, t] = worth * share
    return free, bound


def column_factors(values: Mapping[str, float], keys: Sequence[str]) -> np.ndarray:
    return np.array([values.get(k, DEFAULT_PROVENANCE_FACTOR) for k in keys], dtype=np.float32)


# --- Projects and incentives ----------------------------------------------------------------
#
# A project (a fab, an assembly and test plant, a wafer or materials plant) is a customer: it
# buys tools, materials and services while it is built and equipped. Its worth to a company is
#     PROJECT_FIT[company type][project kind] × phase timing × ((1 − bound) + bound × country)
# with bound PROJECT_COUNTRY_BOUND (a project buys tools wherever it is, as a fab does).
#
# PROJECT_FIT, why: equipment and materials makers sell to every plant that makes or
# packages chips (front-end fabs, ATP plants, wafer and materials plants: 0.8-1.0); an
# equipment and parts plant or an R&D centre buys some tools (0.5), a training centre a few
# (0.3). A design house sells nothing a fab installs: production plants are worth nothing to
# it (0, filtered), an R&D centre some (0.4: joint design work) and a training centre a little
# (0.3: design courses). Integrated device makers and components makers do not sell into a fab
# build; a project is a possible joint venture, foundry or outsourcing partner or buyer of
# modules: moderate (0.3-0.5).
PROJECT_FIT: dict[str, dict[str, float]] = {
    "equipment": {
        "front_end_fab": 1.0,
        "back_end_atp": 1.0,
        "wafer": 0.9,
        "materials": 0.8,
        "equipment_service": 0.5,
        "r_and_d": 0.5,
        "training": 0.3,
    },
    "materials_chemicals": {
        "front_end_fab": 1.0,
        "back_end_atp": 0.85,
        "wafer": 0.8,
        "materials": 0.6,
        "equipment_service": 0.3,
        "r_and_d": 0.4,
        "training": 0.15,
    },
    "design_ip": {
        "front_end_fab": 0.0,
        "back_end_atp": 0.0,
        "wafer": 0.0,
        "materials": 0.0,
        "equipment_service": 0.0,
        "r_and_d": 0.4,
        "training": 0.3,
    },
    "integrated": {
        "front_end_fab": 0.5,
        "back_end_atp": 0.5,
        "wafer": 0.3,
        "materials": 0.3,
        "equipment_service": 0.3,
        "r_and_d": 0.5,
        "training": 0.4,
    },
    "components": {
        "front_end_fab": 0.3,
        "back_end_atp": 0.5,
        "wafer": 0.2,
        "materials": 0.3,
        "equipment_service": 0.5,
        "r_and_d": 0.3,
        "training": 0.3,
    },
}
PROJECT_COUNTRY_BOUND = 0.3

# Phase timing: tools and materials are bought when a plant is built and equipped. Construction
# or tool-in expected within TOOL_IN_WINDOW_MONTHS of today: 1.0 (the orders are being placed);
# a construction whose tool-in is further off: 0.8 (too early to quote, not too early to
# meet); announced: 0.7 (plans change, suppliers are chosen later); ramp: 0.6 (the first tools
# are in, capacity is still added); production: 0.3 (recurring service and consumables only).
# A tool-in confirmed more than TOOL_IN_WINDOW_MONTHS ago is taken as ramping by now.
TOOL_IN_WINDOW_MONTHS = 24
PHASE_TIMING = {
    "announced": 0.7,
    "construction": 1.0,
    "tool_in": 1.0,
    "ramp": 0.6,
    "production": 0.3,
}
CONSTRUCTION_FAR = 0.8

# An incentive serves investment & incentives: worth to each company type as an investment
# agency is (TYPE_FIT), and bound to the country in full (the company operates or prioritises
# that member state), unless it is a Japanese programme (country JP): that one is open to every
# Japanese company wherever it operates. A deadline passed: 0 (never suggested); within
# DEADLINE_SOON_DAYS: 1.0; later or rolling: DEADLINE_LATER (a deadline close by moves a
# programme up a little).
INCENTIVE_FIT: dict[str, float] = {
    "equipment": 0.6,
    "materials_chemicals": 0.55,
    "design_ip": 0.5,  # R&D and design grants matter to design houses more than agencies do
    "integrated": 0.85,
    "components": 0.85,
}
DEADLINE_SOON_DAYS = 90
DEADLINE_LATER = 0.9
JAPAN = "JP"


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def expected_tool_in(phase: str, phase_as_of: str, production_year: int) -> dt.date | None:
    """When tools go in: for a construction, a year before production starts (or, with no
    year given, twelve months after the construction was confirmed); for a tool-in, the month
    it was confirmed; None otherwise."""
    try:
        confirmed = dt.date.fromisoformat(phase_as_of) if phase_as_of else None
    except ValueError:
        confirmed = None
    if phase == "tool_in":
        return confirmed
    if phase != "construction":
        return None
    if production_year:
        return dt.date(production_year - 1, 7, 1)
    if confirmed is None:
        return None
    return dt.date(confirmed.year + 1, confirmed.month, 1)


def phase_timing(phase: str, phase_as_of: str, production_year: int, as_of: dt.date) -> float:
    """The phase timing factor of a project as of `as_of` (see PHASE_TIMING)."""
    tool_in = expected_tool_in(phase, phase_as_of, production_year)
    if phase == "tool_in":
        if tool_in is not None and _months_between(tool_in, as_of) > TOOL_IN_WINDOW_MONTHS:
            return PHASE_TIMING["ramp"]
        return PHASE_TIMING["tool_in"]
    if phase == "construction":
        if tool_in is not None and _months_between(as_of, tool_in) > TOOL_IN_WINDOW_MONTHS:
            return CONSTRUCTION_FAR
        return PHASE_TIMING["construction"]
    return PHASE_TIMING.get(phase, 0.0)


def project_fit(company_type: str, project_kind: str) -> float:
    table = PROJECT_FIT.get(company_type)
    return 1.0 if table is None else table.get(project_kind, 1.0)


def project_factor(
    company_type: str,
    project_kind: str,
    timing: float,
    country: float | None,
) -> float:
    """The role factor of a company × project pair (`timing` from phase_timing)."""
    bound = PROJECT_COUNTRY_BOUND
    return (
        project_fit(company_type, project_kind)
        * timing
        * ((1.0 - bound) + bound * (country or 0.0))
    )


def deadline_factor(deadline: str, as_of: dt.date) -> float:
    if not deadline:
        return DEADLINE_LATER
    try:
        closes = dt.date.fromisoformat(deadline)
    except ValueError:
        return DEADLINE_LATER
    if closes < as_of:
        return 0.0
    return 1.0 if (closes - as_of).days <= DEADLINE_SOON_DAYS else DEADLINE_LATER


def incentive_fit(company_type: str) -> float:
    return INCENTIVE_FIT.get(company_type, 1.0)


def incentive_factor(
    company_type: str, incentive_country: str, deadline: float, country: float
) -> float:
    """The role factor of a company × incentive pair: `deadline` from deadline_factor,
    `country` the company's tie to the incentive's member state (priority 1, presence 0.8,
    else 0), ignored for a Japanese programme."""
    tie = 1.0 if incentive_country == JAPAN else country
    return incentive_fit(company_type) * deadline * tie
