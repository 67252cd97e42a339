"""Bulk import of implementation statuses and policy updates: the framework of the directory and
CRM imports (Excel's files, Japanese headers, every bad row, all or nothing, background jobs),
each row through implementation_status_record or policy_update_create, for program managers and
administrators only (the records are shared market intelligence, owned by no team)."""

import datetime as dt
import io
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation.reloader import translation_file_changed
from drf_spectacular.generators import SchemaGenerator

from engagement.errors import NotPermitted
from engagement.models import ImplementationStatus, ImportJob, PolicyUpdate
from engagement.selectors.watch import current_statuses
from engagement.services import import_jobs, imports
from engagement.services.imports import engine
from engagement.services.watch import implementation_status_record
from engagement.tasks import run_import_job
from tests import factories
from tests.engagement.test_imports import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MIC = "https://mic.gov.vn/programme"
STATUS_HEADER = [
    "initiative",
    "member_state",
    "status",
    "effective_on",
    "note",
    "source_url",
    "source_title",
    "source_publisher",
    "source_date",
]
STATUS_HEADER_JA = [
    "施策コード",
    "加盟国",
    "状況",
    "発効日",
    "備考",
    "出典URL",
    "出典名",
    "発行者",
    "出典日付",
]
SHORT_HEADER = ["initiative", "member_state", "status", "effective_on", "source_title"]
UPDATE_HEADER_JA = [
    "公表日",
    "種類",
    "タイトル（英語）",
    "タイトル",
    "概要",
    "加盟国",
    "戦略的重点",
    "イニシアティブ",
    "出典URL",
    "出典名",
    "発行者",
]


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogue():
    """Status and kind labels are matched in Japanese too, from the compiled catalogue (as the
    build compiles it); drop what Django has cached so the labels are read as they are now."""
    call_command("compile_translations", "--allow-incomplete", stdout=StringIO())
    translation_file_changed(sender=None, file_path=PO.with_suffix(".mo"))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def run_file(kind, data: bytes, name="import.csv", *, actor, dry_run=False):
    return imports.import_file(kind, io.BytesIO(data), name, actor=actor, dry_run=dry_run)


def statuses() -> list[tuple]:
    return list(
        ImplementationStatus.objects.order_by("effective_on", "id").values_list(
            "initiative__code",
            "member_state__iso2",
            "status",
            "effective_on",
            "note",
            "source_url",
            "source_title",
            "source_publisher",
            "source_date",
            "recorded_by__username",
        )
    )


def record(actor, initiative, state, status, effective_on):
    return implementation_status_record(
        actor=actor,
        initiative=initiative,
        member_state=state,
        status=status,
        effective_on=effective_on,
        source_title="MIC announcement",
    )


def api_as(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
    return api


def upload(client, kind, data: bytes, name="import.csv", **fields):
    return client.post(
        f"/api/v1/{kind}/import/",
        {"file": SimpleUploadedFile(name, data), **fields},
        format="multipart",
    )


# --- Files and headers ----------------------------------------------------------------------


def test_a_utf8_csv_with_english_headers_records_each_status_through_the_service(users):
    data = csv_bytes(
        [
            STATUS_HEADER,
            ["T6-02", "VN", "launched", "2026-03-01", "Chip design linkage", MIC, "", "MIC", ""],
            ["T6-03", "Malaysia", "In progress", "2026/01/15", "", "", "NSS", "MIDA", "2026/01/10"],
            ["T1-01", "Thailand", "Planned", "2025年10月1日", "", "", "EEC plan", "", ""],
        ],
        encoding="utf-8",
    )

    report = run_file("implementation-statuses", data, actor=users["pm"])

    assert (report.errors, report.created) == ([], 3)
    assert statuses() == [
        ("T1-01", "TH", "planned", dt.date(2025, 10, 1), "", "", "EEC plan", "", None, "pm"),
        (
            "T6-03",
            "MY",
            "in_progress",
            dt.date(2026, 1, 15),
            "",
            "",
            "NSS",
            "MIDA",
            dt.date(2026, 1, 10),
            "pm",
        ),
        (
            "T6-02",
            "VN",
            "launched",
            dt.date(2026, 3, 1),
            "Chip design linkage",
            MIC,
            "",
            "MIC",
            None,
            "pm",
        ),
    ]
    assert report.summary() == "Created 3 implementation statuses."


def test_a_shift_jis_csv_with_japanese_headers_and_labels_records_statuses(users):
    data = csv_bytes(
        [
            STATUS_HEADER_JA,
            [
                "T6-02",
                "ベトナム",
                "開始済み",
                "2026年3月1日",
                "設計人材育成",
                "",
                "情報通信省発表",
                "ベトナム情報通信省",
                "2026年2月20日",
            ],
            ["T2-01", "SG", "実施中", "2025/12/01", "", MIC, "", "", ""],
        ],
        encoding="cp932",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    report = run_file("implementation-statuses", data, actor=users["admin"])

    assert (report.errors, report.created) == ([], 2)
    assert statuses() == [
        ("T2-01", "SG", "in_progress", dt.date(2025, 12, 1), "", MIC, "", "", None, "admin"),
        (
            "T6-02",
            "VN",
            "launched",
            dt.date(2026, 3, 1),
            "設計人材育成",
            "",
            "情報通信省発表",
            "ベトナム情報通信省",
            dt.date(2026, 2, 20),
            "admin",
        ),
    ]


def test_an_xlsx_workbook_with_excel_dates_records_statuses(users):
    data = xlsx_bytes(
        [
            STATUS_HEADER,
            [
                "T6-02",
                "VN",
                "paused",
                dt.date(2026, 3, 1),
                "",
                MIC,
                "",
                "",
                dt.datetime(2026, 2, 1),
            ],
        ]
    )

    report = run_file("implementation-statuses", data, "statuses.xlsx", actor=users["pm"])

    assert (report.errors, report.created) == ([], 1)
    assert statuses() == [
        ("T6-02", "VN", "paused", dt.date(2026, 3, 1), "", MIC, "", "", dt.date(2026, 2, 1), "pm")
    ]


def test_policy_updates_import_with_japanese_headers_labels_and_multi_value_columns(users):
    data = csv_bytes(
        [
            UPDATE_HEADER_JA,
            [
                "2026/03/02",
                "パートナー募集",
                "VN seeks training partners",
                "研修パートナー募集",
                "半導体設計研修",
                "VN;マレーシア",
                "T6",
                "T6-01、T6-02",
                MIC,
                "",
                "MIC",
            ],
            [
                "2026年3月5日",
                "Regulation",
                "",
                "タイの投資優遇",
                "",
                "タイ",
                "",
                "",
                "",
                "BOI",
                "BOI",
            ],
        ]
    )

    report = run_file("policy-updates", data, actor=users["pm"])

    assert (report.errors, report.created) == ([], 2)
    call, rule = PolicyUpdate.objects.order_by("published_on")
    assert (call.published_on, call.kind, call.title, call.title_ja, call.summary_ja) == (
        dt.date(2026, 3, 2),
        "call_for_partners",
        "VN seeks training partners",
        "研修パートナー募集",
        "半導体設計研修",
    )
    assert sorted(call.member_states.values_list("iso2", flat=True)) == ["MY", "VN"]
    assert list(call.thrusts.values_list("code", flat=True)) == ["T6"]
    assert sorted(call.initiatives.values_list("code", flat=True)) == ["T6-01", "T6-02"]
    assert (call.source_url, call.source_publisher, call.recorded_by) == (MIC, "MIC", users["pm"])
    assert (rule.kind, rule.title, rule.title_ja, rule.source_title) == (
        "regulation",
        "",
        "タイの投資優遇",
        "BOI",
    )
    assert list(rule.member_states.values_list("iso2", flat=True)) == ["TH"]


# --- Every bad row, all or nothing, once only ----------------------------------------------


def test_a_dry_run_lists_every_bad_row_with_its_column_and_writes_nothing(users):
    existing = record(users["pm"], "T6-02", "VN", "launched", "2026-03-01")
    data = csv_bytes(
        [
            SHORT_HEADER,
            ["T6-01", "VN", "planned", "2025-10-01", "MIC plan"],  # row 2: fine
            ["T9-99", "VN", "planned", "2025-10-01", "MIC plan"],
            ["T6-01", "Japan", "planned", "2025-10-01", "MIC plan"],
            ["T6-01", "VN", "finished", "2025-10-01", "MIC plan"],
            ["T6-01", "VN", "launched", "2026-02-30", "MIC plan"],
            ["T6-01", "VN", "paused", "2026-04-01", ""],
            ["T6-01", "ベトナム", "計画中", "2025/10/01", "Another source"],  # row 2 again
            ["T6-02", "VN", "launched", "2026年3月1日", "MIC again"],  # already recorded
            ["", "VN", "planned", "2025-10-01", "MIC plan"],
        ]
    )

    report = run_file("implementation-statuses", data, actor=users["pm"], dry_run=True)

    assert report.errors == [
        {"row": 3, "column": "initiative", "reason": "Unknown initiative code: 'T9-99'."},
        {"row": 4, "column": "member_state", "reason": "'JP' is not an ASEAN member state code."},
        {
            "row": 5,
            "column": "status",
            "reason": "Must be one of: not_started, planned, in_progress, launched, paused.",
        },
        {"row": 6, "column": "effective_on", "reason": "Enter a date as YYYY-MM-DD."},
        {
            "row": 7,
            "column": "source_url",
            "reason": "Give the source: a URL, a document title, or both.",
        },
        {
            "row": 8,
            "column": "status",
            "reason": "Same initiative, member state, status and date as row 2 of this file.",
        },
        {
            "row": 9,
            "column": "status",
            "reason": "Duplicate of existing status T6-02 in VN Launched from 2026-03-01 "
            f"(id {existing.pk}).",
        },
        {"row": 10, "column": "initiative", "reason": "This field is required."},
    ]
    assert (report.processed_rows, report.created) == (9, 0)
    assert list(ImplementationStatus.objects.all()) == [existing]


def test_a_real_run_with_one_bad_row_writes_nothing(users):
    data = csv_bytes(
        [
            SHORT_HEADER,
            ["T6-01", "VN", "planned", "2025-10-01", "MIC plan"],
            ["T6-01", "VN", "launched", "2026-03-01", "MIC launch"],
            ["T6-01", "VN", "launched", "not a date", "MIC launch"],
        ]
    )

    report = run_file("implementation-statuses", data, actor=users["pm"])

    assert report.errors == [
        {"row": 4, "column": "effective_on", "reason": "Enter a date as YYYY-MM-DD."}
    ]
    assert report.created == 0
    assert ImplementationStatus.objects.count() == 0


def test_a_policy_update_file_with_bad_rows_is_refused_row_by_row(users):
    data = csv_bytes(
        [
            ["published_on", "kind", "title", "member_states", "initiatives", "source_url"],
            ["2026-03-02", "news", "VN budget", "VN", "T6-01", MIC],
            ["2026-03-02", "rumour", "TH budget", "Japan", "T9-99", "ftp://x"],
            ["2026-03-02", "news", "VN budget", "", "", MIC],
            ["2026-03-03", "news", "", "", "", MIC],
        ]
    )

    report = run_file("policy-updates", data, actor=users["pm"])

    assert report.errors == [
        {
            "row": 3,
            "column": "kind",
            "reason": "Must be one of: news, regulation, incentive, call_for_partners, event.",
        },
        {
            "row": 3,
            "column": "source_url",
            "reason": "Enter a valid http(s) URL.",
        },
        {"row": 3, "column": "member_states", "reason": "Unknown code(s): JP."},
        {"row": 3, "column": "initiatives", "reason": "Unknown code(s): T9-99."},
        {"row": 4, "column": "title", "reason": "Same title and date as row 2 of this file."},
        {"row": 5, "column": "title", "reason": "Give a title in English or Japanese."},
    ]
    assert PolicyUpdate.objects.count() == 0


def test_importing_the_same_files_twice_records_their_rows_once(users):
    statuses_file = csv_bytes(
        [
            SHORT_HEADER,
            ["T6-01", "VN", "planned", "2025-10-01", "MIC plan"],
            ["T6-01", "VN", "launched", "2026-03-01", "MIC launch"],
        ]
    )
    updates_file = csv_bytes(
        [
            ["published_on", "kind", "title", "title_ja", "source_title"],
            ["2026-03-02", "news", "", "ベトナム予算", "MIC"],
        ]
    )
    first = run_file("implementation-statuses", statuses_file, actor=users["pm"])
    first_updates = run_file("policy-updates", updates_file, actor=users["pm"])
    assert (first.created, first_updates.created) == (2, 1)
    planned, launched = ImplementationStatus.objects.order_by("effective_on")
    update = PolicyUpdate.objects.get()

    again = run_file("implementation-statuses", statuses_file, actor=users["pm"])
    again_updates = run_file("policy-updates", updates_file, actor=users["pm"])

    assert again.errors == [
        {
            "row": 2,
            "column": "status",
            "reason": "Duplicate of existing status T6-01 in VN Planned from 2025-10-01 "
            f"(id {planned.pk}).",
        },
        {
            "row": 3,
            "column": "status",
            "reason": "Duplicate of existing status T6-01 in VN Launched from 2026-03-01 "
            f"(id {launched.pk}).",
        },
    ]
    assert again_updates.errors == [
        {
            "row": 2,
            "column": "title_ja",
            "reason": f"Duplicate of existing policy update ベトナム予算 of 2026-03-02 "
            f"(id {update.pk}).",
        }
    ]
    assert (again.created, again_updates.created) == (0, 0)
    assert ImplementationStatus.objects.count() == 2
    assert PolicyUpdate.objects.count() == 1


def test_the_current_status_after_an_import_is_the_latest_by_effective_date(users):
    data = csv_bytes(
        [
            SHORT_HEADER,
            ["T6-02", "VN", "planned", "2025-06-01", "MIC plan"],
            ["T6-02", "VN", "launched", "2026-03-01", "MIC launch"],
            ["T6-02", "VN", "in_progress", "2025-12-01", "MIC progress"],  # listed last
        ]
    )

    run_file("implementation-statuses", data, actor=users["pm"])

    [current] = current_statuses().values()
    assert (current.status, current.effective_on) == ("launched", dt.date(2026, 3, 1))


# --- Who may import --------------------------------------------------------------------------

WATCH_KINDS = ["implementation-statuses", "policy-updates"]


@pytest.mark.parametrize("kind", WATCH_KINDS)
@pytest.mark.parametrize("role", ["bd_a", "integrator_a"])
def test_a_bd_member_or_integrator_is_refused_by_the_service_and_the_api(api, users, kind, role):
    data = csv_bytes([SHORT_HEADER, ["T6-01", "VN", "planned", "2025-10-01", "MIC plan"]])
    noun = kind.replace("-", " ")

    with pytest.raises(NotPermitted) as by_the_importer:
        run_file(kind, data, actor=users[role])
    with pytest.raises(NotPermitted) as by_the_job:
        import_jobs.import_job_create(
            actor=users[role], kind=kind, upload=SimpleUploadedFile("s.csv", data)
        )
    response = upload(api_as(api, users[role]), kind, data)

    assert by_the_importer.value.detail == f"Your role may not create {noun}."
    assert by_the_job.value.detail == f"Your role may not import {noun}."
    assert response.status_code == 403
    assert response.json() == {
        "type": "permission_denied",
        "detail": f"Your role may not import {noun}.",
        "errors": {},
    }
    assert ImportJob.objects.count() == 0
    assert ImplementationStatus.objects.count() == PolicyUpdate.objects.count() == 0


def test_market_intelligence_is_offered_to_program_managers_and_administrators_only(users):
    # Contacts belong to a team: a program manager, in none, has none to import.
    assert import_jobs.importable_kinds(users["pm"]) == [
        "organizations",
        "implementation-statuses",
        "policy-updates",
    ]
    assert import_jobs.importable_kinds(users["bd_a"]) == [
        "organizations",
        "contacts",
        "engagements",
    ]
    # An administrator belongs to no team: market intelligence needs none, engagements do.
    assert "implementation-statuses" in import_jobs.importable_kinds(users["admin"])
    assert "engagements" not in import_jobs.importable_kinds(users["admin"])


def test_the_command_imports_as_a_system_import_and_refuses_a_bd_member(tmp_path, users):
    path = tmp_path / "statuses.csv"
    path.write_bytes(
        csv_bytes(
            [STATUS_HEADER_JA, ["T6-02", "VN", "launched", "2026-03-01", "", MIC, "", "", ""]],
            encoding="cp932",
        )
    )
    out = StringIO()

    with pytest.raises(CommandError) as refused:
        call_command(
            "import_data",
            "implementation-statuses",
            str(path),
            "--user",
            "bd_a",
            stdout=out,
            stderr=StringIO(),
        )
    assert str(refused.value) == "Your role may not create implementation statuses."
    assert ImplementationStatus.objects.count() == 0

    call_command("import_data", "implementation-statuses", str(path), stdout=out, stderr=StringIO())

    assert out.getvalue().splitlines()[-1] == "Created 1 implementation statuses."
    assert statuses() == [
        ("T6-02", "VN", "launched", dt.date(2026, 3, 1), "", MIC, "", "", None, None)
    ]


# --- The background job ----------------------------------------------------------------------


def test_a_program_managers_api_job_reports_progress_and_its_outcome(api, users, monkeypatch):
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 1)
    cache = import_jobs._cache()
    reported = []
    real_set = cache.set

    def record(key, value, *args, **kwargs):
        if key.endswith(":processed"):  # the count on display, not the run's heartbeat
            reported.append(value)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", record)
    client = api_as(api, users["pm"])
    data = csv_bytes(
        [
            SHORT_HEADER,
            ["T6-01", "VN", "planned", "2025-10-01", "MIC plan"],
            ["T6-01", "VN", "launched", "2026-03-01", "MIC launch"],
        ]
    )

    response = upload(client, "implementation-statuses", data, dry_run="false")

    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["status"], body["dry_run"]) == (
        "implementation-statuses",
        "queued",
        False,
    )
    assert run_import_job(body["id"]) == "succeeded"
    assert reported == [0, 1, 2, 2]
    body = client.get(body["url"]).json()
    assert (body["status"], body["total_rows"], body["processed_rows"], body["percent"]) == (
        "succeeded",
        2,
        2,
        100,
    )
    assert (body["created_count"], body["errors"]) == (2, [])
    assert body["detail"] == "Created 2 implementation statuses."
    assert [row[2] for row in statuses()] == ["planned", "launched"]


def test_a_failed_job_lists_every_bad_row_and_writes_nothing(api, users):
    client = api_as(api, users["admin"])
    data = csv_bytes(
        [
            ["published_on", "kind", "title", "source_title"],
            ["2026-03-02", "news", "VN budget", "MIC"],
            ["2026-13-02", "news", "TH budget", "BOI"],
        ]
    )

    job_id = upload(client, "policy-updates", data, dry_run="false").json()["id"]

    assert run_import_job(job_id) == "failed"
    body = client.get(f"/api/v1/import-jobs/{job_id}/").json()
    assert (body["status"], body["processed_rows"], body["created_count"]) == ("failed", 2, 0)
    assert body["errors"] == [
        {"row": 3, "column": "published_on", "reason": "Enter a date as YYYY-MM-DD."}
    ]
    assert PolicyUpdate.objects.count() == 0


def test_the_schema_documents_both_import_endpoints_and_kinds():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    for kind in WATCH_KINDS:
        operation = schema["paths"][f"/api/v1/{kind}/import/"]["post"]
        assert operation["operationId"] == f"{kind.replace('-', '_')}_import"
        assert set(operation["responses"]) >= {"202", "400", "401", "403"}
    assert schema["components"]["schemas"]["ImportJob"]["properties"]["kind"] == {
        "$ref": "#/components/schemas/ImportJobKindEnum"
    }
    assert schema["components"]["schemas"]["ImportJobKindEnum"]["enum"] == [
        "organizations",
        "contacts",
        "engagements",
        "implementation-statuses",
        "policy-updates",
    ]
