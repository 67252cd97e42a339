"""Which kind of partnership an accepted match most likely becomes: from what the company brings,
then the kind of counterpart, then the thrust. Pure: plain data in, a partnership type code out."""

from __future__ import annotations

from collections.abc import Sequence

_BY_CAPABILITY = (
    ("EQP.SERVICE", "service_hub"),
    ("TAL.MOBILITY", "scholarship_secondment"),
    ("TAL.TRAINING", "training_programme"),
    ("TAL.UNIVERSITY", "training_programme"),
    ("RND.JOINT", "joint_rd_centre"),
    ("RND.TTO", "technology_licensing"),
    ("DES.IP", "technology_licensing"),
    ("MAT.MINERAL", "materials_processing"),
    ("MKT.JV", "joint_venture"),
    ("INF.SHARED", "equipment_leasing"),
    ("POL.INVEST", "investment"),
    ("POL.STANDARDS", "policy_dialogue"),
)
_BY_COUNTERPART_TYPE = {
    "university": "training_programme",
    "research_institute": "joint_rd_centre",
    "technology_transfer": "technology_licensing",
    "investment_agency": "investment",
    "industrial_park": "investment",
    "government": "policy_dialogue",
    "industry_association": "policy_dialogue",
    "regional_body": "policy_dialogue",
    "manufacturer": "supply_agreement",
    "mineral_processing": "materials_processing",
}
_BY_THRUST = {
    "T1": "pilot_project",
    "T2": "joint_rd_centre",
    "T3": "supply_agreement",
    "T4": "investment",
    "T5": "joint_venture",
    "T6": "training_programme",
}


def infer_partnership_type(
    *, matched: Sequence[str], counterpart_type: str = "", thrust: str = ""
) -> str:
    """A partnership type code: from what the company brings first, then from the kind of
    counterpart, then from the thrust. The person accepting may change it."""
    have = set(matched)
    for code, ptype in _BY_CAPABILITY:
        if code in have:
            return ptype
    if counterpart_type in _BY_COUNTERPART_TYPE:
        return _BY_COUNTERPART_TYPE[counterpart_type]
    if have & {"MAT", "EQP", "MFG"} or any(c.split(".")[0] in ("MAT", "EQP", "MFG") for c in have):
        return "supply_agreement"
    return _BY_THRUST.get(thrust, "pilot_project")
