"""The bulk import in the uploader's language: the background run (and the import_data command
with --user) imports in the uploader's language, so that the stored report, its own messages and
the services' refusals alike, is theirs; an upload is refused in the reader's language; the
import page lists the values a column takes with their labels in the reader's language."""

import csv
import datetime as dt
import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.html import escape

from engagement.models import ImportJob, Organization
from engagement.services import import_jobs, imports
from engagement.tasks import run_import_job
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_catalogue", "english_afterwards"),
]

HEADER = ["組織名", "組織タイプ", "国", "提供能力", "パートナー受入"]
ROWS = [
    HEADER,
    ["Penang Test Centre", "university", "MY", "EQP.NOPE", "はい"],  # row 2: the service refuses
    ["Atlantis Institute", "university", "XX", "", ""],  # row 3: the service refuses
    ["Maybe Institute", "university", "TH", "", "maybe"],  # row 4: the import refuses
    ["L" * 201, "university", "VN", "", ""],  # row 5: the import refuses
    ["PENANG TEST CENTRE", "university", "MY", "", ""],  # row 6: the same as row 2
]
# Row, column as written in the file, reason: in each language.
REPORT = {
    "ja": [
        (2, "提供能力", "不明なコードです: EQP.NOPE。"),
        (
            3,
            "国",
            "XX はASEAN加盟国のコードではありません"
            "（ASEAN全域を対象とする地域機関の場合は空欄にしてください）。",
        ),
        (
            4,
            "パートナー受入",
            "「はい」または「いいえ」を入力してください（true/false、はい/いいえ）。",
        ),
        (5, "組織名", "200文字以内にしてください（この入力は201文字です）。"),
        (6, "組織名", "このファイルの 2 行目と同じ組織です。"),
    ],
    "en": [
        (2, "提供能力", "Unknown code(s): EQP.NOPE."),
        (
            3,
            "国",
            "XX is not an ASEAN member state code (leave it blank for a regional, ASEAN-wide "
            "body).",
        ),
        (4, "パートナー受入", "Enter yes or no (true/false, はい/いいえ)."),
        (5, "組織名", "At most 200 characters; this has 201."),
        (6, "組織名", "Same organization as row 2 of this file."),
    ],
}
SUMMARY = {
    "ja": "5 行のうち 5 行に 5 件の問題があります。何も書き込まれていません。",
    "en": "5 problem(s) in 5 row(s) of 5; nothing was written.",
}
NOT_A_SHEET = {
    "ja": (
        ".csv または .xlsx ファイルをアップロードしてください。",
        "入力内容に誤りがあります: ファイル。",
    ),
    "en": ("Upload a .csv or .xlsx file.", "Invalid input in: File."),
}
CRASHED = {
    "ja": "予期しないエラーで取り込みが停止しました。何も書き込まれていません。",
    "en": "The import stopped on an unexpected error; nothing was written.",
}
GAVE_UP = {
    "ja": (
        "取り込みを 3 回開始しましたが、いずれもワーカーが完了前に停止しました"
        "（メモリ不足などによる強制終了や再起動）。何も書き込まれていません。"
        "小さなファイルでもう一度お試しください。再び起きた場合は管理者に連絡してください。"
    ),
    "en": (
        "The import was started 3 times and each time its worker stopped before it finished "
        "(killed or restarted, for example for lack of memory); nothing was written. Try again "
        "with a smaller file, and tell an administrator if it happens again."
    ),
}
RESENT = {
    "ja": (
        "この取り込みを実行していたワーカーが完了前に停止しました（何も書き込まれていません）。"
        "取り込みを最初からやり直すよう再度キューに入れました（3 回中 2 回目）。"
    ),
    "en": (
        "The worker running this import stopped before it finished (nothing had been written); "
        "the import was queued to run again from the start, attempt 2 of 3."
    ),
}

LANGUAGES = pytest.mark.parametrize("language", ["ja", "en"])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_JOB_STALE_SECONDS = 300
    settings.IMPORT_JOB_MAX_ATTEMPTS = 3


@pytest.fixture
def uploader(users, language):
    """bd_a, whose language is the one the test is parametrised with."""
    user = users["bd_a"]
    user.language = language
    user.save(update_fields=["language"])
    return user


def csv_bytes(rows, encoding="cp932") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _api(api, user, language: str):
    """An integrator's client; an English one sends no Accept-Language at all."""
    asks = {"HTTP_ACCEPT_LANGUAGE": language} if language != "en" else {}
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}", **asks)
    return api


def _upload(client, data: bytes, name="機関.csv"):
    return client.post(
        "/api/v1/organizations/import/",
        {"file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def _forget_cached(job_id: int) -> None:
    """The progress cache outlives test databases and ids come again: forget this id."""
    cache = import_jobs._cache()
    cache.delete(import_jobs._progress_key(job_id))
    for attempt in range(6):
        cache.delete(import_jobs._heartbeat_key(job_id, attempt))


def _dry_run(uploader) -> ImportJob:
    """The file, uploaded for a dry run and run by the worker's task, called in-process."""
    upload = SimpleUploadedFile("機関.csv", csv_bytes(ROWS))
    job = import_jobs.import_job_create(actor=uploader, kind="organizations", upload=upload)
    _forget_cached(job.pk)
    assert translation.get_language() == "en"  # the worker speaks the default language

    assert run_import_job(job.pk) == "failed"

    assert translation.get_language() == "en"  # and still does after the run
    job.refresh_from_db()
    return job


# --- The background run -------------------------------------------------------------------------


@LANGUAGES
def test_a_dry_run_stores_its_report_in_the_uploaders_language(uploader, language):
    before = Organization.objects.count()

    job = _dry_run(uploader)

    assert [(e["row"], e["column"], e["reason"]) for e in job.errors] == REPORT[language]
    assert (job.status, job.detail, job.created_count) == ("failed", SUMMARY[language], 0)
    assert Organization.objects.count() == before


@LANGUAGES
def test_the_api_gives_the_report_as_it_was_stored_whatever_the_caller_asks(
    api, uploader, language
):
    job = _dry_run(uploader)
    other = "en" if language == "ja" else "ja"

    body = _api(api, uploader, other).get(f"/api/v1/import-jobs/{job.pk}/").json()

    assert [(e["row"], e["column"], e["reason"]) for e in body["errors"]] == REPORT[language]
    assert body["detail"] == SUMMARY[language]


@LANGUAGES
def test_the_job_page_shows_the_report_in_the_uploaders_language(client, uploader, language):
    job = _dry_run(uploader)
    client.force_login(uploader)

    response = client.get(f"/import/{job.pk}/")

    html = response.content.decode()
    assert response["Content-Language"] == language
    for row, column, reason in REPORT[language]:
        assert f'<tr><td class="num">{row}</td><td>{column}</td><td>{escape(reason)}</td></tr>' in (
            html
        )
    heading = {"ja": "5 件の問題", "en": "5 problems"}[language]
    assert f'<h2 id="problems-h">{heading}</h2>' in html


@LANGUAGES
def test_the_downloadable_report_has_headers_in_the_readers_language(client, uploader, language):
    job = _dry_run(uploader)
    client.force_login(uploader)

    response = client.get(f"/import/{job.pk}/problems.csv")

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    header = {"ja": "行,列,理由", "en": "row,column,reason"}[language]
    row, column, reason = REPORT[language][0]
    assert lines[:2] == [header, f"{row},{column},{reason}"]


@LANGUAGES
def test_a_crashed_run_says_so_in_the_uploaders_language(uploader, language, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "import_file", crash)
    upload = SimpleUploadedFile("機関.csv", csv_bytes(ROWS))
    job = import_jobs.import_job_create(actor=uploader, kind="organizations", upload=upload)
    _forget_cached(job.pk)

    assert run_import_job(job.pk) == "failed"

    job.refresh_from_db()
    assert (job.status, job.detail, job.errors) == ("failed", CRASHED[language], [])


@LANGUAGES
def test_the_scan_writes_its_messages_in_the_uploaders_language(
    uploader, language, time_machine, django_capture_on_commit_callbacks
):
    t0 = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    time_machine.move_to(t0, tick=False)
    upload = SimpleUploadedFile("機関.csv", csv_bytes(ROWS[:2]))
    job = import_jobs.import_job_create(actor=uploader, kind="organizations", upload=upload)
    _forget_cached(job.pk)
    details = []
    for minutes in (6, 12, 18):
        import_jobs.import_job_claim(job_id=job.pk)  # a worker that dies
        time_machine.move_to(t0 + dt.timedelta(minutes=minutes), tick=False)
        with django_capture_on_commit_callbacks():
            import_jobs.import_jobs_resend_stale()  # beat, in the default language
        job.refresh_from_db()
        details.append(job.detail)

    assert details[0] == RESENT[language]
    assert (job.status, details[2]) == ("failed", GAVE_UP[language])
    assert translation.get_language() == "en"


# --- Refused uploads ----------------------------------------------------------------------------


@LANGUAGES
def test_a_file_that_is_not_csv_or_xlsx_is_refused_in_the_requested_language(api, users, language):
    response = _api(api, users["bd_a"], language).post(
        "/api/v1/organizations/import/",
        {"file": SimpleUploadedFile("orgs.pdf", b"%PDF-1.4")},
        format="multipart",
    )

    on_file, detail = NOT_A_SHEET[language]
    assert response.status_code == 422
    assert response["Content-Language"] == language
    assert response.json() == {
        "type": "rule_refused",
        "detail": detail,
        "errors": {"file": [on_file]},
    }
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("ja", "あなたの役割では活動記録を取り込めません。"),
        ("en", "Your role may not import engagements."),
    ],
)
def test_a_kind_the_role_may_not_import_is_refused_in_the_requested_language(
    api, users, language, refusal
):
    response = _api(api, users["pm"], language).post(
        "/api/v1/engagements/import/",
        {"file": SimpleUploadedFile("engagements.csv", csv_bytes([["summary"], ["x"]]))},
        format="multipart",
    )

    assert response.status_code == 403
    assert response.json()["detail"] == refusal
    assert ImportJob.objects.count() == 0


# --- The import page's column help --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "values"),
    [
        (
            "ja",
            "<small>値: not_started（未着手）, planned（計画中）, in_progress（進行中）, "
            "launched（開始済み）, paused（休止中）</small>",
        ),
        (
            "en",
            "<small>values: not_started (Not started), planned (Planned), in_progress (In "
            "progress), launched (Launched), paused (Paused)</small>",
        ),
    ],
)
def test_the_import_page_lists_each_value_with_its_label_in_the_readers_language(
    client, users, language, values
):
    reader = users["pm"]  # who may import implementation statuses
    reader.language = language
    reader.save(update_fields=["language"])
    client.force_login(reader)

    html = client.get("/import/").content.decode()

    assert values in html
    assert {"ja": "<h3>実施状況</h3>", "en": "<h3>Implementation statuses</h3>"}[language] in html


# --- The command --------------------------------------------------------------------------------


@LANGUAGES
def test_the_command_prints_the_bad_rows_in_the_language_of_the_user_it_imports_as(
    tmp_path, uploader, language
):
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(ROWS))
    out = StringIO()
    before = Organization.objects.count()

    with pytest.raises(CommandError) as refused:
        call_command(
            "import_data",
            "organizations",
            str(path),
            "--user",
            uploader.username,
            stdout=out,
            stderr=StringIO(),
        )

    line = {"ja": "{row} 行目、列 {column}: {reason}", "en": "row {row}, column {column}: {reason}"}
    assert out.getvalue().splitlines() == [
        line[language].format(row=row, column=column, reason=reason)
        for row, column, reason in REPORT[language]
    ]
    assert str(refused.value) == SUMMARY[language]
    assert Organization.objects.count() == before
    assert translation.get_language() == "en"


def test_a_system_import_speaks_the_default_language(tmp_path, users):
    users["bd_a"].language = "ja"
    users["bd_a"].save(update_fields=["language"])
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(ROWS[:2]))
    out = StringIO()

    with pytest.raises(CommandError, match=r"^1 problem\(s\) in 1 row\(s\) of 1"):
        call_command("import_data", "organizations", str(path), stdout=out, stderr=StringIO())

    assert out.getvalue().splitlines() == ["row 2, column 提供能力: Unknown code(s): EQP.NOPE."]
