"""The import page: upload (dry run by default), follow the job, read the report, run it for
real. The background task is called directly here (a real worker runs one in test_imports)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagement.models import ImplementationStatus, ImportJob, Organization
from engagement.tasks import run_import_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def bd(client, users):
    client.force_login(users["bd_a"])
    return client


def _file(rows, name="orgs.csv", encoding="cp932"):
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


GOOD = [["組織名", "組織タイプ", "国"], ["Web Import Institute", "university", "MY"]]


def test_the_import_page_offers_a_dry_run_by_default_and_is_in_the_menu(bd):
    response = bd.get("/import/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/import/" aria-current="page">Import</a>' in html
    assert 'name="dry_run"' in html
    assert 'id="id_dry_run" checked' in html
    assert 'enctype="multipart/form-data"' in html
    assert "組織名" in html  # the accepted Japanese headers are listed


def test_a_dry_run_with_bad_rows_shows_each_row_column_and_reason(bd, users):
    rows = [
        ["組織名", "組織タイプ", "国", "提供能力"],
        ["Bad Country Institute", "university", "XX", ""],
        ["Bad Code Institute", "university", "MY", "EQP.NOPE"],
    ]

    response = bd.post("/import/", {"kind": "organizations", "file": _file(rows), "dry_run": "on"})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/import/{job.pk}/"
    assert (job.user, job.dry_run, job.status) == (users["bd_a"], True, "queued")
    page = bd.get(f"/import/{job.pk}/").content.decode()
    assert 'id="import-progress"' in page
    assert f"/import/{job.pk}/status.json" in page

    run_import_job(job.pk)

    status = bd.get(f"/import/{job.pk}/status.json").json()
    assert (status["status"], status["finished"], status["error_count"]) == ("failed", True, 2)
    response = bd.get(f"/import/{job.pk}/")
    html = response.content.decode()
    assert [(e["row"], e["column"]) for e in response.context["errors"]] == [
        (2, "国"),
        (3, "提供能力"),
    ]
    assert '<td class="num">2</td><td>国</td>' in html
    assert "Unknown code(s): EQP.NOPE." in html
    assert "Run it for real" not in html
    report = b"".join(bd.get(f"/import/{job.pk}/problems.csv").streaming_content)
    assert report.startswith(b"\xef\xbb\xbf")
    assert "3,提供能力,Unknown code(s): EQP.NOPE." in report.decode("utf-8")
    assert not Organization.objects.filter(name__endswith="Institute").exists()


def test_a_clean_dry_run_can_be_run_for_real(bd):
    bd.post("/import/", {"kind": "organizations", "file": _file(GOOD), "dry_run": "on"})
    dry = ImportJob.objects.get()
    run_import_job(dry.pk)

    html = bd.get(f"/import/{dry.pk}/").content.decode()
    assert "Run it for real" in html
    assert "The 1 row can be imported. Nothing was written." in html
    assert not Organization.objects.filter(name="Web Import Institute").exists()

    response = bd.post(f"/import/{dry.pk}/run/")

    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == f"/import/{real.pk}/"
    assert real.dry_run is False
    run_import_job(real.pk)
    html = bd.get(f"/import/{real.pk}/").content.decode()
    assert "1 record created." in html
    assert Organization.objects.filter(name="Web Import Institute").exists()
    # Running the dry run for real again (a double click) is the same real import.
    assert bd.post(f"/import/{dry.pk}/run/")["Location"] == f"/import/{real.pk}/"
    assert bd.post(f"/import/{real.pk}/run/").status_code == 302  # refused: not a dry run
    assert ImportJob.objects.count() == 2


def test_another_persons_import_is_not_found(client, users, bd):
    bd.post("/import/", {"kind": "organizations", "file": _file(GOOD)})
    job = ImportJob.objects.get()
    client.force_login(users["bd_b"])

    assert client.get(f"/import/{job.pk}/").status_code == 404
    assert client.get(f"/import/{job.pk}/status.json").status_code == 404
    assert client.post(f"/import/{job.pk}/run/").status_code == 404


def test_a_file_over_the_limit_is_refused_on_the_form(bd, settings):
    settings.IMPORT_MAX_BYTES = 10

    response = bd.post("/import/", {"kind": "organizations", "file": _file(GOOD)})

    assert response.status_code == 400
    assert "IMPORT_MAX_BYTES" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_program_manager_cannot_import_engagements(client, users):
    client.force_login(users["pm"])

    response = client.post("/import/", {"kind": "engagements", "file": _file(GOOD)})

    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_the_import_page_needs_a_sign_in(client):
    response = client.get("/import/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


STATUSES = [
    ["施策コード", "加盟国", "状況", "発効日", "出典名"],
    ["T6-02", "VN", "launched", "2026/03/01", "MIC announcement"],
    ["T6-03", "MY", "planned", "2026/01/15", "NSS"],
]


def test_a_program_manager_imports_statuses_from_the_page(client, users):
    client.force_login(users["pm"])
    page = client.get("/import/")
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == [
        "organizations",
        "implementation-statuses",
        "policy-updates",
    ]
    assert "施策コード" in page.content.decode()  # the statuses' Japanese headers are listed

    response = client.post("/import/", {"kind": "implementation-statuses", "file": _file(STATUSES)})

    job = ImportJob.objects.get()
    assert response["Location"] == f"/import/{job.pk}/"
    assert (job.kind, job.dry_run) == ("implementation-statuses", False)
    run_import_job(job.pk)
    html = client.get(f"/import/{job.pk}/").content.decode()
    assert "Implementation statuses" in html
    assert "2 records created." in html
    assert sorted(ImplementationStatus.objects.values_list("initiative__code", "status")) == [
        ("T6-02", "launched"),
        ("T6-03", "planned"),
    ]


def test_a_bd_member_is_not_offered_market_intelligence_and_is_refused_it(bd):
    page = bd.get("/import/")
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == [
        "organizations",
        "contacts",
        "engagements",
    ]
    assert "施策コード" not in page.content.decode()

    response = bd.post("/import/", {"kind": "implementation-statuses", "file": _file(STATUSES)})

    assert response.status_code == 403
    assert response.templates[0].name == "engagement/refused.html"
    assert "You may not import this kind of record: Implementation statuses." in (
        response.content.decode()
    )
    assert ImportJob.objects.count() == ImplementationStatus.objects.count() == 0
