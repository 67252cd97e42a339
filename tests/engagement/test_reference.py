import csv
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagement.models import (
    Capability,
    CoreArea,
    Incentive,
    Initiative,
    MemberState,
    OrgType,
    PartnershipType,
    Project,
    Thrust,
)
from engagement.services.reference import REFERENCE_DIR

pytestmark = pytest.mark.django_db

UP_TO_DATE = "Reference data already up to date: nothing created or changed."


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load_reference", *args, stdout=out, stderr=StringIO(), verbosity=1)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "core_areas": CoreArea.objects.count(),
        "thrusts": Thrust.objects.count(),
        "initiatives": Initiative.objects.count(),
        "member_states": MemberState.objects.count(),
        "capabilities": Capability.objects.count(),
        "org_types": OrgType.objects.count(),
        "partnership_types": PartnershipType.objects.count(),
        "projects": Project.objects.count(),
        "incentives": Incentive.objects.count(),
    }


def _snapshot() -> dict[str, list]:
    """Every reference row with its fields, to show that a refused load changed nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            CoreArea,
            Thrust,
            Initiative,
            MemberState,
            Capability,
            OrgType,
            PartnershipType,
            Project,
            Incentive,
        )
    }


def _wipe_reference() -> None:
    Project.objects.all().delete()
    Incentive.objects.all().delete()
    Initiative.objects.all().delete()
    Capability.objects.filter(parent__isnull=False).delete()
    Capability.objects.all().delete()
    OrgType.objects.all().delete()
    PartnershipType.objects.all().delete()
    Thrust.objects.all().delete()
    CoreArea.objects.all().delete()
    MemberState.objects.all().delete()


def _copy_reference(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def _edit_csv(path: Path, code_field: str, code: str, **changes: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        rows = list(reader)
    matched = [row for row in rows if row[code_field] == code]
    assert len(matched) == 1
    matched[0].update(changes)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_loading_into_an_empty_database_creates_every_reference_row():
    _wipe_reference()

    output = _load()

    assert output.splitlines() == [
        "Capabilities: 60 created, 0 updated, 0 unchanged",
        "Core Areas: 3 created, 0 updated, 0 unchanged",
        "Incentives: 18 created, 0 updated, 0 unchanged",
        "Initiatives: 30 created, 0 updated, 0 unchanged",
        "Member States: 11 created, 0 updated, 0 unchanged",
        "Organization Types: 16 created, 0 updated, 0 unchanged",
        "Partnership Types: 12 created, 0 updated, 0 unchanged",
        "Projects: 32 created, 0 updated, 0 unchanged",
        "Strategic Thrusts: 6 created, 0 updated, 0 unchanged",
        "Reference data changed.",
    ]
    assert _counts() == {
        "core_areas": 3,
        "thrusts": 6,
        "initiatives": 30,
        "member_states": 11,
        "capabilities": 60,
        "org_types": 16,
        "partnership_types": 12,
        "projects": 32,
        "incentives": 18,
    }


def test_a_second_run_creates_and_changes_nothing():
    _load()
    before = _snapshot()

    output = _load()

    assert output.splitlines() == [
        "Capabilities: 0 created, 0 updated, 60 unchanged",
        "Core Areas: 0 created, 0 updated, 3 unchanged",
        "Incentives: 0 created, 0 updated, 18 unchanged",
        "Initiatives: 0 created, 0 updated, 30 unchanged",
        "Member States: 0 created, 0 updated, 11 unchanged",
        "Organization Types: 0 created, 0 updated, 16 unchanged",
        "Partnership Types: 0 created, 0 updated, 12 unchanged",
        "Projects: 0 created, 0 updated, 32 unchanged",
        "Strategic Thrusts: 0 created, 0 updated, 6 unchanged",
        UP_TO_DATE,
    ]
    assert _snapshot() == before


def test_capability_synonyms_are_split_by_language():
    resist = Capability.objects.get(code="MAT.RESIST")

    assert resist.synonyms_en == ["photoresist", "resist", "EUV resist", "ArF resist"]
    assert resist.synonyms_ja == ["感光材", "レジスト"]
    assert resist.parent.code == "MAT"
    assert list(resist.thrusts.values_list("code", flat=True)) == ["T1"]


def test_a_branch_capability_has_no_parent_and_keeps_japanese_synonyms_apart():
    materials = Capability.objects.get(code="MAT")

    assert materials.parent is None
    assert materials.synonyms_en == ["materials", "chemicals"]
    assert materials.synonyms_ja == ["素材", "材料"]


@pytest.mark.parametrize(
    ("code", "thrusts"),
    [
        ("equipment", ["T1", "T3", "T6"]),
        ("materials_chemicals", ["T1", "T4", "T6"]),
        ("design_ip", ["T2", "T6"]),
        ("integrated", ["T3", "T5", "T6"]),
    ],
)
def test_company_types_carry_the_reports_priority_thrusts(code, thrusts):
    org_type = OrgType.objects.get(code=code)

    assert org_type.kind == "japanese_company"
    assert sorted(org_type.priority_thrusts.values_list("code", flat=True)) == thrusts


def test_the_equipment_type_carries_its_typical_capabilities_and_guidance():
    equipment = OrgType.objects.get(code="equipment")

    assert equipment.name_en == "Equipment manufacturer"
    assert equipment.name_ja == "装置メーカー"
    assert equipment.typical_capabilities == "EQP.*"
    assert equipment.guidance.startswith("shared-facility initiatives, mature-node capacity")


def test_institution_types_have_no_priority_thrusts():
    university = OrgType.objects.get(code="university")

    assert university.kind == "asean_institution"
    assert list(university.priority_thrusts.all()) == []
    assert university.typical_capabilities == ""


def test_an_edited_initiative_status_is_updated_in_place(tmp_path):
    directory = _copy_reference(tmp_path)
    _edit_csv(directory / "initiatives.csv", "code", "T1-01", status="official")
    initiative = Initiative.objects.get(code="T1-01")
    assert initiative.status == "described"
    others_before = list(
        Initiative.objects.exclude(code="T1-01").order_by("pk").values_list("pk", "status")
    )

    output = _load("--dir", str(directory))

    assert "Initiatives: 0 created, 1 updated, 29 unchanged" in output.splitlines()
    assert output.splitlines()[-1] == "Reference data changed."
    after = Initiative.objects.get(code="T1-01")
    assert after.pk == initiative.pk
    assert after.status == "official"
    assert Initiative.objects.count() == 30
    assert (
        list(Initiative.objects.exclude(code="T1-01").order_by("pk").values_list("pk", "status"))
        == others_before
    )


def test_a_row_with_an_unknown_thrust_is_refused_naming_file_and_line(tmp_path):
    directory = _copy_reference(tmp_path)
    # A valid edit earlier in the same run must not be kept either: all or nothing.
    _edit_csv(directory / "core_areas.csv", "code", "talent", name_en="People")
    _edit_csv(directory / "initiatives.csv", "code", "T1-03", thrust="T9")
    before = _snapshot()

    with pytest.raises(CommandError) as refused:
        _load("--dir", str(directory))

    assert str(refused.value) == (
        "Reference data has bad rows; nothing was loaded.\n"
        "  initiatives.csv line 4: unknown thrust 'T9'"
    )
    assert _snapshot() == before
    assert CoreArea.objects.get(code="talent").name_en == "Talent"


def test_a_missing_file_is_refused_naming_it(tmp_path):
    directory = _copy_reference(tmp_path)
    (directory / "thrusts.csv").unlink()
    before = _snapshot()

    with pytest.raises(CommandError) as refused:
        _load("--dir", str(directory))

    assert str(refused.value) == (
        "Invalid input in: thrusts.csv.\n"
        f"  thrusts.csv: File not found: {directory / 'thrusts.csv'}"
    )
    assert _snapshot() == before
