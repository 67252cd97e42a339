"""Imports warn about organizations that likely duplicate one already in the directory (or an
earlier row of the file): the import goes ahead, and the warning names the record to check."""

import csv
import io

import pytest

from engagement.actors import LOADER
from engagement.models import ImportJob, Organization
from engagement.services import imports
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["name", "org_type", "country", "website"]
ROWS = [
    ["Penang Development Corp.", "industrial_park", "MY", ""],
    ["Kedah Semiconductor Institute", "university", "MY", ""],
    ["USM", "university", "MY", "https://www.usm.my/en"],
    ["Penang Developmant Corp", "industrial_park", "MY", ""],
    # The same name in another country is another organization.
    ["Penang Development Corp.", "industrial_park", "TH", ""],
]


def _csv(rows) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def directory(db):
    return {
        "pdc": factories.institution(
            "Penang Development Corporation (PDC)", country="MY", org_type="industrial_park"
        ),
        "usm": factories.institution(
            "Universiti Sains Malaysia", country="MY", website="https://usm.my"
        ),
    }


@pytest.mark.parametrize("bulk", [False, True], ids=["row by row", "batched"])
def test_likely_duplicates_are_warnings_that_name_the_record(directory, bulk):
    pdc, usm = directory["pdc"], directory["usm"]

    report = imports.import_file(
        "organizations",
        io.BytesIO(_csv([HEADER, *ROWS])),
        "orgs.csv",
        actor=LOADER,
        dry_run=False,
        bulk=bulk,
    )

    assert report.errors == []
    assert report.created == 5
    assert Organization.objects.count() == 7
    assert report.warnings == [
        {
            "row": 2,
            "column": "name",
            "reason": f"Likely a duplicate of Penang Development Corporation (PDC) (id {pdc.pk}): "
            "same name once spelling and legal form are set aside.",
        },
        {
            "row": 4,
            "column": "name",
            "reason": f"Likely a duplicate of Universiti Sains Malaysia (id {usm.pk}): "
            "one name is the other's abbreviation; same website.",
        },
        {
            "row": 5,
            "column": "name",
            "reason": f"Likely a duplicate of Penang Development Corporation (PDC) (id {pdc.pk}): "
            "similar names.",
        },
        {
            "row": 5,
            "column": "name",
            "reason": "Likely the same organization as row 2: similar names.",
        },
    ]


def test_a_dry_run_warns_the_same_and_writes_nothing(directory):
    report = imports.import_file(
        "organizations",
        io.BytesIO(_csv([HEADER, ROWS[0]])),
        "orgs.csv",
        actor=LOADER,
        dry_run=True,
    )

    assert [w["row"] for w in report.warnings] == [2]
    assert Organization.objects.count() == 2


def test_the_import_page_lists_the_warnings(client, users):
    job = ImportJob.objects.create(
        user=users["bd_a"],
        kind="organizations",
        original_name="orgs.csv",
        dry_run=True,
        status=ImportJob.Status.SUCCEEDED,
        warnings=[{"row": 2, "column": "name", "reason": "Likely a duplicate of PDC (id 7)."}],
    )
    client.force_login(users["bd_a"])

    html = client.get(f"/import/{job.pk}/").content.decode()

    assert "Likely duplicates to check" in html
    assert '<td class="num">2</td><td>name</td><td>Likely a duplicate of PDC (id 7).</td>' in html
