"""Bulk import: files as Excel in Japan writes them, every bad row reported, all or nothing, in a
background job (a real worker in one test; the task called directly elsewhere)."""

import csv
import datetime as dt
import io
import time
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from engagement.actors import LOADER
from engagement.models import (
    Contact,
    Engagement,
    ImportJob,
    Organization,
    OrganizationNameKey,
    TimelineEvent,
)
from engagement.services import import_jobs, imports
from engagement.services.imports import batches, engine
from engagement.tasks import run_import_job
from tests import factories

pytestmark = pytest.mark.django_db

ORG_HEADER_JA = ["組織名", "名称（日本語）", "組織タイプ", "国", "提供能力", "戦略的重点"]


@pytest.fixture(autouse=True)
def _media(request, settings, tmp_path):
    # A real worker is another process: it keeps the configured MEDIA_ROOT, so its test does too.
    if "celery_worker_process" not in request.fixturenames:
        settings.MEDIA_ROOT = tmp_path


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run_file(kind, data: bytes, name="import.csv", *, actor=LOADER, dry_run=False, **kw):
    return imports.import_file(kind, io.BytesIO(data), name, actor=actor, dry_run=dry_run, **kw)


def counts():
    return (
        Organization.objects.count(),
        OrganizationNameKey.objects.count(),
        Organization.history.count(),
        Contact.objects.count(),
        Engagement.objects.count(),
        TimelineEvent.objects.count(),
    )


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def client_a(api, users):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    return api


# --- Reading files ----------------------------------------------------------------------------


def test_a_shift_jis_csv_with_japanese_headers_imports_organizations_with_their_exact_names(
    users,
):
    data = csv_bytes(
        [
            ORG_HEADER_JA,
            ["Universiti Teknologi Test", "テスト工科大学", "university", "MY", "EQP.DICING", "T6"],
            ["Lembaga Ujian", "試験庁（タイ）", "government", "タイ", "", ""],
            ["株式会社テスト精機", "テスト精機", "equipment", "", "EQP.ETCH、EQP.DEP", ""],
        ],
        encoding="cp932",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    report = run_file("organizations", data, actor=users["bd_a"])

    assert report.errors == []
    assert report.created == 3
    utt = Organization.objects.get(name="Universiti Teknologi Test")
    assert (utt.name_ja, utt.kind, utt.country) == ("テスト工科大学", "asean_institution", "MY")
    assert [c.code for c in utt.capabilities.all()] == ["EQP.DICING"]
    assert [t.code for t in utt.thrusts.all()] == ["T6"]
    assert Organization.objects.get(name_ja="試験庁（タイ）").country == "TH"
    company = Organization.objects.get(name="株式会社テスト精機")
    assert (company.kind, company.country) == ("japanese_company", "JP")
    assert sorted(c.code for c in company.capabilities.all()) == ["EQP.DEP", "EQP.ETCH"]
    assert company.history.get().history_user == users["bd_a"]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("orgs.csv", lambda rows: csv_bytes(rows, "utf-8-sig")),
        ("orgs.csv", lambda rows: csv_bytes(rows, "utf-8")),
        ("orgs.xlsx", xlsx_bytes),
    ],
    ids=["utf-8-bom", "utf-8", "xlsx"],
)
def test_utf8_with_or_without_bom_and_xlsx_import(name, make):
    rows = [
        ["name", "name_ja", "org_type", "country", "capabilities", "website"],
        ["Penang Test Centre", "ペナン試験センター", "research_institute", "MY", "EQP.TEST", ""],
        ["Hanoi Test Lab", "", "research_institute", "Viet Nam", "", "https://example.org"],
    ]

    report = run_file("organizations", make(rows), name)

    assert report.errors == []
    assert report.created == 2
    assert Organization.objects.get(name="Penang Test Centre").name_ja == "ペナン試験センター"
    assert Organization.objects.get(name="Hanoi Test Lab").country == "VN"


def test_an_unknown_header_is_one_error_naming_the_column():
    data = csv_bytes([["name", "org_type", "Favourite colour"], ["X", "university", "blue"]])

    report = run_file("organizations", data)

    assert report.errors == [
        {
            "row": 1,
            "column": "Favourite colour",
            "reason": report.errors[0]["reason"],
        }
    ]
    assert report.errors[0]["reason"].startswith("Unknown column.")
    assert Organization.objects.count() == 0


def test_a_file_that_is_neither_utf8_nor_shift_jis_is_refused():
    data = "name,org_type\nŁódź,university\n".encode("utf-16")

    report = run_file("organizations", data)

    assert [e["reason"] for e in report.errors] == [
        "The file is neither UTF-8 nor Shift_JIS (CP932) text."
    ]


def test_a_value_under_a_blank_header_is_reported():
    data = csv_bytes([["name", "", "org_type"], ["Stray Institute", "stray", "university"]])

    report = run_file("organizations", data)

    assert report.errors == [
        {"row": 2, "column": "column 2", "reason": "A value in a column without a header."}
    ]


# --- All or nothing ----------------------------------------------------------------------------


def test_bad_rows_are_all_reported_with_row_column_and_reason_and_nothing_is_written(usm):
    before = counts()
    data = csv_bytes(
        [
            ORG_HEADER_JA,
            ["Good Institute One", "", "university", "MY", "EQP.DICING", ""],  # row 2: fine
            ["Atlantis Institute", "", "university", "XX", "", ""],  # row 3: unknown country
            ["Universiti Sains Malaysia", "", "university", "MY", "", ""],  # row 4: exists
            ["Good Institute Two", "", "university", "TH", "EQP.NOPE", ""],  # row 5: bad code
            ["", "名無し", "university", "TH", "", ""],  # row 6: no name
            ["GOOD INSTITUTE ONE", "", "university", "MY", "", ""],  # row 7: same as row 2
        ],
        encoding="cp932",
    )

    report = run_file("organizations", data)

    assert [(e["row"], e["column"]) for e in report.errors] == [
        (3, "国"),
        (4, "組織名"),
        (5, "提供能力"),
        (6, "組織名"),
        (7, "組織名"),
    ]
    reasons = [e["reason"] for e in report.errors]
    assert reasons[0].startswith("XX is not an ASEAN member state code")
    assert reasons[1] == (
        f"Duplicate of existing organization Universiti Sains Malaysia (id {usm.pk})."
    )
    assert reasons[2] == "Unknown code(s): EQP.NOPE."
    assert reasons[3] == "This field is required."
    assert reasons[4] == "Same organization as row 2 of this file."
    assert report.created == 0
    assert counts() == before


def test_a_dry_run_writes_nothing_even_when_every_row_is_good():
    before = counts()
    data = csv_bytes([ORG_HEADER_JA, ["Dry Institute", "", "university", "PH", "EQP.DICING", "T1"]])

    report = run_file("organizations", data, dry_run=True)

    assert report.errors == []
    assert report.processed_rows == 1
    assert report.summary().startswith("Dry run: all 1 row(s)")
    assert counts() == before


def test_blank_rows_are_skipped_and_row_numbers_are_excels():
    data = csv_bytes(
        [
            ["name", "org_type", "country"],
            ["", "", ""],
            ["Row Three Institute", "university", "ZZ"],
        ]
    )

    report = run_file("organizations", data)

    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "country")]
    assert report.processed_rows == 1


# --- The batched path for large organization files ---------------------------------------------

BULK_HEADER = [
    "name",
    "name_ja",
    "kind",
    "org_type",
    "country",
    "website",
    "description",
    "capabilities",
    "needs",
    "thrusts",
    "priority_countries",
    "presence_countries",
    "accepting_partners",
    "source",
]
BULK_GOOD = [
    [
        "Batch Univ A",
        "バッチ大学A",
        "",
        "university",
        "MY",
        "https://a.example",
        "d",
        "EQP.DICING",
        "EQP.TEST;EQP.ETCH",
        "T6",
        "",
        "",
        "",
        "fixture",
    ],
    [
        "Batch Univ B",
        "",
        "ASEAN institution",
        "university",
        "タイ",
        "",
        "",
        "",
        "",
        "T1、T2",
        "",
        "",
        "no",
        "",
    ],
    [
        "株式会社バッチ",
        "バッチ",
        "日本企業",
        "equipment",
        "",
        "",
        "",
        "EQP.ETCH",
        "",
        "",
        "MY;TH",
        "VN",
        "yes",
        "",
    ],
    ["ASEAN Batch Council", "", "", "regional_body", "", "", "", "", "", "", "", "", "", ""],
    ["Batch Univ E", "", "", "university", "PH", "", "", "", "", "", "", "", "", ""],
]
BULK_BAD = [
    *BULK_GOOD[:2],
    ["Universiti Sains Malaysia", "", "", "university", "MY", "", "", "", "", "", "", "", "", ""],
    [
        "Batch Univ Bad",
        "",
        "",
        "university",
        "MY",
        "ftp://x",
        "",
        "EQP.NOPE",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    ["Batch Univ F", "", "", "university", "XX", "", "", "", "", "", "", "", "", ""],
    *BULK_GOOD[2:],
]


def _snapshot() -> dict:
    from django.apps import apps

    def codes(manager, field="code"):
        return tuple(sorted(getattr(x, field) for x in manager.all()))

    return {
        "counts": {m._meta.label: m._default_manager.count() for m in apps.get_models()},
        "orgs": sorted(
            (
                o.name,
                o.name_ja,
                o.kind,
                o.org_type.code,
                o.country,
                o.website,
                o.description,
                o.accepting_partners,
                o.source,
                o.version,
                o.search_text,
                codes(o.capabilities),
                codes(o.needs),
                codes(o.thrusts),
                codes(o.priority_countries, "iso2"),
                codes(o.presence_countries, "iso2"),
            )
            for o in Organization.objects.all()
        ),
        "keys": sorted(
            OrganizationNameKey.objects.values_list("organization__name", "country", "key")
        ),
        "history": sorted(
            Organization.history.values_list(
                "name", "history_type", "history_user_id", "history_change_reason"
            )
        ),
    }


@pytest.mark.parametrize("rows", [BULK_GOOD, BULK_BAD], ids=["good", "bad"])
def test_the_batched_path_writes_and_reports_exactly_what_the_service_path_does(
    users, usm, rows, monkeypatch
):
    """If a step is added to organization_create and not to the batched path, this fails."""
    from django.db import transaction

    monkeypatch.setattr(batches, "BULK_BATCH", 2)  # several batches, and a partial last one
    data = csv_bytes([BULK_HEADER, *rows])
    outcomes = []
    for bulk in (False, True):
        with transaction.atomic():
            report = run_file("organizations", data, actor=users["bd_a"], bulk=bulk)
            outcomes.append((report.errors, report.created, report.processed_rows, _snapshot()))
            transaction.set_rollback(True)

    row_by_row, batched = outcomes
    assert batched == row_by_row
    if rows is BULK_GOOD:
        assert row_by_row[1] == 5
    else:
        assert [(e["row"], e["column"]) for e in row_by_row[0]] == [
            (4, "name"),
            (5, "website"),
            (5, "capabilities"),
            (6, "country"),
        ]


def test_a_batch_that_the_database_refuses_is_replayed_row_by_row(users, monkeypatch):
    from django.db import IntegrityError

    def refuse(self, batch):
        raise IntegrityError("someone created one of these meanwhile")

    monkeypatch.setattr(batches.OrganizationBatches, "_write", refuse)
    data = csv_bytes([BULK_HEADER, *BULK_GOOD])

    report = run_file("organizations", data, actor=users["bd_a"], bulk=True)

    assert (report.errors, report.created) == ([], 5)
    assert Organization.objects.filter(name__startswith="Batch Univ").count() == 3


def test_large_organization_files_take_the_batched_path(monkeypatch):
    monkeypatch.setattr(engine, "BULK_MIN_ROWS", 3)
    calls = []
    original = batches.OrganizationBatches.add
    monkeypatch.setattr(
        batches.OrganizationBatches,
        "add",
        lambda self, *a: calls.append(a[0]) or original(self, *a),
    )

    report = run_file("organizations", csv_bytes([BULK_HEADER, *BULK_GOOD]))

    assert report.created == 5
    assert calls == [2, 3, 4, 5, 6]


# --- Contacts and engagements -----------------------------------------------------------------


def test_contacts_name_their_organization_by_name_or_id(users, usm):
    data = csv_bytes(
        [
            ["組織", "氏名", "よみがな", "役職", "メール", "電話"],
            ["Universiti Sains Malaysia", "Dr Aminah", "", "Dean", "aminah@usm.example", ""],
            [str(usm.pk), "山田 花子", "やまだ はなこ", "", "", "+60 4 000"],
        ],
        encoding="cp932",
    )

    report = run_file("contacts", data, actor=users["bd_a"])

    assert report.errors == []
    assert sorted(usm.contacts.values_list("name", flat=True)) == ["Dr Aminah", "山田 花子"]
    assert Contact.objects.get(name="山田 花子").name_reading == "やまだ はなこ"


def test_contact_rows_with_unknown_organizations_and_repeated_emails_are_refused(users, usm):
    data = csv_bytes(
        [
            ["organization", "name", "email"],
            ["Universiti Sains Malaysia", "A", "a@usm.example"],
            ["Nowhere University", "B", ""],
            ["Universiti Sains Malaysia", "C", "A@usm.example"],
            ["Universiti Sains Malaysia", "", "bad-email"],
        ]
    )

    report = run_file("contacts", data, actor=users["bd_a"])

    assert report.errors == [
        {
            "row": 3,
            "column": "organization",
            "reason": "No organization named 'Nowhere University'.",
        },
        {"row": 4, "column": "email", "reason": "Same email as row 2 of this file."},
        {"row": 5, "column": "name", "reason": "This field is required."},
        {"row": 5, "column": "email", "reason": "Enter a valid email address."},
    ]
    assert Contact.objects.count() == 0


def test_engagement_rows_belong_to_the_callers_team(users, team_a, usm):
    data = csv_bytes(
        [
            ["日時", "種類", "組織", "概要", "次のステップ", "期限", "戦略的重点"],
            ["2026/11/25 10:00", "会議", "Universiti Sains Malaysia", "Met the dean", "", "", "T6"],
            [
                "2026-11-26T09:00:00+08:00",
                "call",
                str(usm.pk),
                "Follow-up call",
                "Send deck",
                "2026/12/01",
                "",
            ],
        ],
        encoding="cp932",
    )

    report = run_file("engagements", data, actor=users["bd_a"])

    assert report.errors == []
    engagements = list(Engagement.objects.order_by("occurred_at"))
    assert [e.team for e in engagements] == [team_a, team_a]
    # A time without an offset is read in the importer's time zone (Asia/Tokyo).
    assert engagements[0].occurred_at == dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    assert engagements[0].kind == "meeting"
    assert [t.code for t in engagements[0].thrusts.all()] == ["T6"]
    assert engagements[1].followups.get().due_on == dt.date(2026, 12, 1)
    assert TimelineEvent.objects.filter(kind="engagement", team=team_a).count() == 2


def test_xlsx_dates_and_times_are_read_as_excel_stores_them(users, usm):
    data = xlsx_bytes(
        [
            ["when", "kind", "organizations", "summary", "next_step", "next_step_due"],
            [
                dt.datetime(2026, 11, 25, 10, 0),
                "Meeting",
                usm.pk,
                "Met",
                "Call",
                dt.date(2026, 12, 2),
            ],
        ]
    )

    report = run_file("engagements", data, "e.xlsx", actor=users["bd_a"])

    assert report.errors == []
    engagement = Engagement.objects.get()
    assert engagement.occurred_at == dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    assert engagement.followups.get().due_on == dt.date(2026, 12, 2)


def test_another_teams_partnership_is_a_row_error(users, team_a, team_b, usm):
    theirs = factories.partnership(team_b, actor=users["bd_b"], counterparts=[usm])
    ours = factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm])
    data = csv_bytes(
        [
            ["occurred_at", "kind", "organizations", "summary", "partnership"],
            ["2026-11-25 10:00", "meeting", "Universiti Sains Malaysia", "Ours", str(ours.pk)],
            ["2026-11-25 11:00", "meeting", "Universiti Sains Malaysia", "Theirs", str(theirs.pk)],
        ]
    )

    report = run_file("engagements", data, actor=users["bd_a"])

    assert report.errors == [
        {"row": 3, "column": "partnership", "reason": f"No partnership with id(s) {theirs.pk}."}
    ]
    assert Engagement.objects.count() == 0


def test_a_program_manager_may_not_import_engagements(users, usm):
    upload = SimpleUploadedFile("e.csv", csv_bytes([["occurred_at"], ["2026-11-25"]]))

    with pytest.raises(import_jobs.NotPermitted):
        import_jobs.import_job_create(actor=users["pm"], kind="engagements", upload=upload)


# --- Jobs through the API (task called directly) ------------------------------------------------


def _upload(client, kind, data: bytes, name="import.csv", **fields):
    return client.post(
        f"/api/v1/{kind}/import/",
        {"file": SimpleUploadedFile(name, data), **fields},
        format="multipart",
    )


def test_the_api_queues_a_dry_run_job_that_reports_every_bad_row(client_a, users, usm):
    data = csv_bytes([ORG_HEADER_JA, ["Universiti Sains Malaysia", "", "university", "MY", "", ""]])

    response = _upload(client_a, "organizations", data, name="機関.csv")

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["dry_run"], body["kind"]) == ("queued", True, "organizations")
    assert body["original_name"] == "機関.csv"
    assert response["Location"] == body["url"]
    job = ImportJob.objects.get(pk=body["id"])
    assert job.user == users["bd_a"]
    assert "機関" not in job.file.name  # stored under a name of our own

    assert run_import_job(job.pk) == "failed"
    assert run_import_job(job.pk) == "not queued"  # a second delivery does nothing

    body = client_a.get(body["url"]).json()
    assert body["status"] == "failed"
    assert (body["total_rows"], body["processed_rows"], body["percent"]) == (1, 1, 100)
    duplicate = f"Duplicate of existing organization Universiti Sains Malaysia (id {usm.pk})."
    assert body["errors"] == [{"row": 2, "column": "組織名", "reason": duplicate}]


def test_a_real_run_after_a_clean_dry_run_creates_the_rows(client_a, users):
    data = csv_bytes([ORG_HEADER_JA, ["Real Institute", "本物研究所", "university", "SG", "", ""]])
    dry = ImportJob.objects.get(pk=_upload(client_a, "organizations", data).json()["id"])
    run_import_job(dry.pk)
    dry.refresh_from_db()
    assert (dry.status, dry.created_count) == ("succeeded", 0)
    assert not Organization.objects.filter(name="Real Institute").exists()

    real = import_jobs.import_job_run_for_real(actor=users["bd_a"], job=dry)
    assert real.file.name == dry.file.name
    assert run_import_job(real.pk) == "succeeded"

    real.refresh_from_db()
    assert (real.status, real.dry_run, real.created_count, real.errors) == (
        "succeeded",
        False,
        1,
        [],
    )
    assert Organization.objects.get(name="Real Institute").name_ja == "本物研究所"


def test_dry_run_false_imports_at_once(client_a):
    data = csv_bytes([["name", "org_type", "country"], ["Direct Institute", "university", "ID"]])

    job_id = _upload(client_a, "organizations", data, dry_run="false").json()["id"]
    run_import_job(job_id)

    assert Organization.objects.filter(name="Direct Institute").exists()


def test_a_person_sees_only_their_own_import_jobs(api, client_a, users):
    data = csv_bytes([["name", "org_type"], ["X", "university"]])
    job_id = _upload(client_a, "organizations", data).json()["id"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_b'])}")
    assert api.get(f"/api/v1/import-jobs/{job_id}/").status_code == 404
    assert api.get("/api/v1/import-jobs/").json()["results"] == []


def test_an_over_limit_file_is_a_422_json_error_naming_the_limit(client_a, settings):
    settings.IMPORT_MAX_BYTES = 100
    data = csv_bytes([["name", "org_type"], *[[f"Institute {i}", "university"] for i in range(20)]])

    response = _upload(client_a, "organizations", data)

    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "rule_refused"
    assert "IMPORT_MAX_BYTES" in body["errors"]["file"][0]
    assert ImportJob.objects.count() == 0

    settings.IMPORT_MAX_BYTES = 10_000
    settings.IMPORT_MAX_ROWS = 5
    response = _upload(client_a, "organizations", data)

    assert response.status_code == 422
    assert "IMPORT_MAX_ROWS" in response.json()["errors"]["file"][0]


def test_a_file_that_is_not_csv_or_xlsx_is_refused(client_a):
    response = _upload(client_a, "organizations", b"%PDF-1.4", name="orgs.pdf")

    assert response.status_code == 422
    assert response.json()["errors"]["file"] == ["Upload a .csv or .xlsx file."]


def test_a_read_only_token_may_not_import(api, users):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'], read_only=True)}")

    response = _upload(api, "organizations", csv_bytes([["name"], ["X"]]))

    assert response.status_code == 403


def test_progress_while_running_comes_from_the_cache(users):
    job = ImportJob.objects.create(
        user=users["bd_a"], kind="organizations", original_name="x.csv", total_rows=200
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    job.refresh_from_db()
    import_jobs._cache().set(import_jobs._progress_key(job.pk), 50)

    assert import_jobs.import_job_processed(job) == 50
    assert import_jobs.import_job_percent(job) == 25


# --- The command ---------------------------------------------------------------------------------


def test_the_command_prints_every_bad_row_and_fails(tmp_path, usm):
    path = tmp_path / "orgs.csv"
    path.write_bytes(
        csv_bytes(
            [
                ORG_HEADER_JA,
                ["Universiti Sains Malaysia", "", "university", "MY", "", ""],
                ["Cmd Institute", "", "university", "MY", "EQP.NOPE", ""],
            ],
            encoding="cp932",
        )
    )
    out = StringIO()

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_data", "organizations", str(path), stdout=out, stderr=StringIO())

    assert out.getvalue().splitlines() == [
        f"row 2, column 組織名: Duplicate of existing organization Universiti Sains Malaysia "
        f"(id {usm.pk}).",
        "row 3, column 提供能力: Unknown code(s): EQP.NOPE.",
    ]
    assert not Organization.objects.filter(name="Cmd Institute").exists()


def test_the_command_imports_and_prints_the_count(tmp_path):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx_bytes([["name", "org_type", "country"], ["Cmd One", "university", "KH"]]))
    out = StringIO()

    call_command(
        "import_data", "organizations", str(path), "--dry-run", stdout=out, stderr=StringIO()
    )
    assert not Organization.objects.filter(name="Cmd One").exists()

    call_command("import_data", "organizations", str(path), stdout=out, stderr=StringIO())
    assert out.getvalue().splitlines()[-1] == "Created 1 organizations."
    assert Organization.objects.filter(name="Cmd One", country="KH").exists()


# --- A real worker -------------------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job_queued_by_the_api(celery_worker_process, api):
    disco = factories.company("DISCO Worker Test", org_type="equipment")
    team = factories.team("worker-team", company=disco)
    user = factories.user("worker_bd", role="bd_member", team=team)
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
    data = csv_bytes(
        [ORG_HEADER_JA, ["Worker Institute", "ワーカー研究所", "university", "MY", "", ""]],
        encoding="cp932",
    )

    response = _upload(api, "organizations", data, dry_run="false")
    assert response.status_code == 202
    url = response.json()["url"]

    deadline = time.monotonic() + 60
    while (body := api.get(url).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, celery_worker_process.log()
        time.sleep(0.2)
    try:
        assert body["status"] == "succeeded", body
        assert body["created_count"] == 1
        assert Organization.objects.get(name="Worker Institute").name_ja == "ワーカー研究所"
    finally:
        ImportJob.objects.get(pk=body["id"]).file.delete(save=False)
