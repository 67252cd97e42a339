"""The integrator's day through the API: log, move, sign, complete, read the timeline."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import Engagement, FollowUp, MoU, Partnership, StageChange
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY", needs=["EQP.DICING"])


@pytest.fixture
def client_a(api, users):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    return api


def _as(api, user, read_only=False):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user, read_only=read_only)}")
    return api


def _call(client, usm, summary: str, **extra) -> dict:
    """A call with USM logged through the API, as its answer."""
    body = {
        "occurred_at": "2026-11-25T10:00:00Z",
        "kind": "call",
        "organizations": [usm.pk],
        "summary": summary,
        **extra,
    }
    response = client.post("/api/v1/engagements/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _partnership(client, usm, **extra):
    body = {
        "title": "Dicing training line",
        "counterparts": [usm.pk],
        "partnership_type": "training_programme",
        "initiatives": ["T6-01"],
        **extra,
    }
    response = client.post("/api/v1/partnerships/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@time_machine.travel(NOW, tick=False)
def test_logging_an_engagement_with_a_dated_next_step_creates_its_follow_up(client_a, usm, users):
    response = client_a.post(
        "/api/v1/engagements/",
        {
            "occurred_at": "2026-11-25T10:00:00+08:00",
            "kind": "meeting",
            "organizations": [usm.pk],
            "summary": "Met the dean about a dicing lab",
            "next_step": "Send the training syllabus",
            "next_step_due": "2026-12-01",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["occurred_at"] == "2026-11-25T02:00:00Z"
    assert body["team"] == "team-a"
    assert body["organizations"] == [usm.pk]
    followup = FollowUp.objects.get()
    assert (followup.engagement_id, followup.owner, followup.due_on, followup.note) == (
        body["id"],
        users["bd_a"],
        dt.date(2026, 12, 1),
        "Send the training syllabus",
    )


def test_an_engagement_missing_its_essentials_is_refused_field_by_field(client_a):
    response = client_a.post("/api/v1/engagements/", {"kind": "lunch"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert sorted(body["errors"]) == ["kind", "occurred_at", "organizations", "summary"]
    assert Engagement.objects.count() == 0


def test_a_partnership_moves_one_stage_and_a_skip_needs_a_reason(client_a, usm):
    p = _partnership(client_a, usm)
    assert p["stage"] == "identified"
    assert p["allowed_moves"][:2] == [
        {"to": "contacted", "needs_reason": False},
        {"to": "exploring", "needs_reason": True},
    ]

    moved = client_a.post(
        f"/api/v1/partnerships/{p['id']}/transition/", {"to": "contacted"}, format="json"
    )
    skipped = client_a.post(
        f"/api/v1/partnerships/{p['id']}/transition/", {"to": "mou_signed"}, format="json"
    )
    same = client_a.post(
        f"/api/v1/partnerships/{p['id']}/transition/", {"to": "contacted"}, format="json"
    )

    assert moved.status_code == 200
    assert moved.json()["stage"] == "contacted"
    assert skipped.status_code == 422
    assert skipped.json()["errors"] == {
        "reason": ["Moving from Contacted to MoU signed needs a reason."]
    }
    assert same.status_code == 422
    assert same.json()["type"] == "rule_refused"
    assert Partnership.objects.get().stage == "contacted"
    assert list(StageChange.objects.values_list("from_stage", "to_stage")) == [
        ("", "identified"),
        ("identified", "contacted"),
    ]


def test_a_stale_if_match_on_a_partnership_is_refused_with_412(client_a, usm):
    p = _partnership(client_a, usm)
    etag = client_a.get(f"/api/v1/partnerships/{p['id']}/")["ETag"]
    client_a.patch(
        f"/api/v1/partnerships/{p['id']}/", {"notes": "first"}, format="json", HTTP_IF_MATCH=etag
    )

    stale = client_a.patch(
        f"/api/v1/partnerships/{p['id']}/", {"notes": "second"}, format="json", HTTP_IF_MATCH=etag
    )

    assert stale.status_code == 412
    assert stale.json()["type"] == "stale_write"
    assert Partnership.objects.get().notes == "first"


@time_machine.travel(NOW, tick=False)
def test_an_mou_is_signed_renewed_and_its_document_served_only_to_its_team(
    client_a, api, usm, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    p = _partnership(client_a, usm)
    mou = client_a.post(
        "/api/v1/mous/",
        {
            "partnership": p["id"],
            "title": "Training MoU",
            "effective_on": "2026-12-01",
            "expires_on": "2027-12-01",
        },
        format="json",
    ).json()
    signed = client_a.post(
        f"/api/v1/mous/{mou['id']}/sign/", {"signed_on": "2026-11-20"}, format="json"
    )
    upload = client_a.post(
        f"/api/v1/mous/{mou['id']}/document/",
        {"document": SimpleUploadedFile("mou.pdf", PDF)},
        format="multipart",
    )
    renewed = client_a.post(
        f"/api/v1/mous/{mou['id']}/renew/",
        {"effective_on": "2027-12-01", "expires_on": "2028-12-01"},
        format="json",
    )

    assert signed.status_code == 200
    assert (signed.json()["status"], signed.json()["signed_on"]) == ("signed", "2026-11-20")
    assert upload.status_code == 200
    assert upload.json()["document_name"] == "mou.pdf"
    assert renewed.status_code == 201
    assert (renewed.json()["status"], renewed.json()["predecessor"]) == ("draft", mou["id"])
    assert MoU.objects.get(pk=mou["id"]).status == "renewed"
    download = client_a.get(f"/api/v1/mous/{mou['id']}/document/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    other = _as(api, users["bd_b"]).get(f"/api/v1/mous/{mou['id']}/document/")
    assert other.status_code == 404


def test_a_document_that_is_not_pdf_or_docx_is_refused(client_a, usm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = _partnership(client_a, usm)
    mou = client_a.post(
        "/api/v1/mous/", {"partnership": p["id"], "title": "MoU"}, format="json"
    ).json()

    response = client_a.post(
        f"/api/v1/mous/{mou['id']}/document/",
        {"document": SimpleUploadedFile("notes.txt", b"hello")},
        format="multipart",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"document": ["notes.txt is not a PDF or DOCX file."]}
    assert MoU.objects.get().document_name == ""
    assert list(tmp_path.rglob("*.*")) == []


def test_a_pilot_with_milestones_starts_and_completes_a_milestone(client_a, usm, users):
    p = _partnership(client_a, usm)
    pilot = client_a.post(
        "/api/v1/pilots/",
        {
            "partnership": p["id"],
            "objective": "Train 20 operators",
            "starts_on": "2026-12-01",
            "planned_end_on": "2027-03-01",
            "milestones": [{"title": "Syllabus agreed", "due_on": "2026-12-15"}],
            "kpis": [{"name": "Operators trained", "target": "20", "unit": "people"}],
        },
        format="json",
    ).json()

    started = client_a.post(f"/api/v1/pilots/{pilot['id']}/start/", {}, format="json")
    done = client_a.post(
        f"/api/v1/pilots/{pilot['id']}/complete-milestone/",
        {"milestone": pilot["milestones"][0]["id"], "done_on": "2026-11-20"},
        format="json",
    )

    assert started.json()["status"] == "running"
    assert done.status_code == 200
    assert done.json()["milestones"][0]["done_on"] == "2026-11-20"
    assert done.json()["kpis"] == [
        {
            "id": pilot["kpis"][0]["id"],
            "name": "Operators trained",
            "target": "20.0000",
            "actual": None,
            "unit": "people",
        }
    ]


def test_a_milestone_due_before_the_pilot_starts_is_refused(client_a, usm):
    p = _partnership(client_a, usm)

    response = client_a.post(
        "/api/v1/pilots/",
        {
            "partnership": p["id"],
            "objective": "Train",
            "starts_on": "2026-12-01",
            "milestones": [{"title": "Too early", "due_on": "2026-11-01"}],
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "milestones.0.due_on": ["Due 2026-11-01 is before the pilot starts (2026-12-01)."]
    }


def test_completing_a_follow_up_twice_is_a_conflict_and_records_one_completion(client_a, usm):
    f = client_a.post(
        "/api/v1/follow-ups/",
        {
            "due_on": "2026-12-01",
            "note": "Call back",
            "subject": {"type": "organization", "id": usm.pk},
        },
        format="json",
    ).json()

    first = client_a.post(f"/api/v1/follow-ups/{f['id']}/complete/")
    second = client_a.post(f"/api/v1/follow-ups/{f['id']}/complete/")

    assert first.status_code == 200
    assert first.json()["status"] == "done"
    assert second.status_code == 409
    assert second.json()["detail"] == "This follow-up is already Done."


def test_completing_a_follow_up_with_an_outcome_keeps_it_and_refuses_one_too_long(client_a):
    f = client_a.post(
        "/api/v1/follow-ups/", {"due_on": "2026-12-01", "note": "Call back"}, format="json"
    ).json()

    too_long = client_a.post(
        f"/api/v1/follow-ups/{f['id']}/complete/",
        {"outcome": "x" * (FollowUp.OUTCOME_MAX + 1)},
        format="json",
    )
    done = client_a.post(
        f"/api/v1/follow-ups/{f['id']}/complete/",
        {"outcome": " Agreed a visit in January "},
        format="json",
    )

    assert f["outcome"] == ""
    assert too_long.status_code == 400
    assert too_long.json()["errors"] == {"outcome": ["At most 2,000 characters; this has 2,001."]}
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["outcome"]) == ("done", "Agreed a visit in January")
    assert client_a.get(f"/api/v1/follow-ups/{f['id']}/").json()["outcome"] == (
        "Agreed a visit in January"
    )


def test_another_teams_records_are_not_found_and_not_listed(client_a, api, usm, users):
    p = _partnership(client_a, usm)
    eng = _call(client_a, usm, "Confidential call")
    other = _as(api, users["bd_b"])

    assert other.get(f"/api/v1/partnerships/{p['id']}/").status_code == 404
    assert other.get(f"/api/v1/engagements/{eng['id']}/").status_code == 404
    assert (
        other.post(
            f"/api/v1/partnerships/{p['id']}/transition/", {"to": "contacted"}, format="json"
        ).status_code
        == 404
    )
    assert other.get("/api/v1/partnerships/").json()["results"] == []
    assert other.get("/api/v1/engagements/?search=Confidential").json()["results"] == []
    assert other.get(f"/api/v1/organizations/{usm.pk}/timeline/").json()["results"] == []
    pm = _as(api, users["pm"])
    assert [r["id"] for r in pm.get("/api/v1/partnerships/").json()["results"]] == [p["id"]]


def test_a_program_manager_reads_but_cannot_move_a_teams_partnership(client_a, api, usm, users):
    p = _partnership(client_a, usm)

    response = _as(api, users["pm"]).post(
        f"/api/v1/partnerships/{p['id']}/transition/", {"to": "contacted"}, format="json"
    )

    assert response.status_code == 403
    assert Partnership.objects.get().stage == "identified"


def test_a_read_only_token_cannot_log_an_engagement(api, usm, users):
    response = _as(api, users["bd_a"], read_only=True).post(
        "/api/v1/engagements/",
        {
            "occurred_at": "2026-11-25T10:00:00Z",
            "kind": "call",
            "organizations": [usm.pk],
            "summary": "x",
        },
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."
    assert Engagement.objects.count() == 0


def test_the_partnership_timeline_lists_what_happened_newest_first(client_a, usm):
    p = _partnership(client_a, usm)
    client_a.post(f"/api/v1/partnerships/{p['id']}/transition/", {"to": "contacted"}, format="json")

    body = client_a.get(f"/api/v1/partnerships/{p['id']}/timeline/").json()

    assert [e["kind"] for e in body["results"]] == ["stage_changed", "partnership_created"]
    assert body["results"][0]["data"] == {"from": "identified", "to": "contacted", "reason": ""}


def _query_count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_crm_lists_run_a_fixed_number_of_queries_whatever_the_page_size(client_a, usm, users):
    for i in range(12):
        _partnership(client_a, usm, title=f"Deal {i}")
        client_a.post(
            "/api/v1/engagements/",
            {
                "occurred_at": "2026-11-25T10:00:00Z",
                "kind": "call",
                "organizations": [usm.pk],
                "summary": f"Call {i}",
                "next_step": "x",
                "next_step_due": "2026-12-01",
            },
            format="json",
        )

    for resource in ("partnerships", "engagements", "follow-ups", "mous", "pilots"):
        small = _query_count(client_a, f"/api/v1/{resource}/?page_size=2")
        large = _query_count(client_a, f"/api/v1/{resource}/?page_size=12")
        assert small == large, resource


def test_an_engagement_history_shows_each_field_before_and_after(client_a, usm, users):
    eng = _call(client_a, usm, "First words")
    client_a.patch(f"/api/v1/engagements/{eng['id']}/", {"summary": "Better words"}, format="json")

    history = client_a.get(f"/api/v1/engagements/{eng['id']}/history/").json()

    assert history[0]["type"] == "changed"
    assert history[0]["user"] == "bd_a"
    assert {"field": "summary", "old": "First words", "new": "Better words"} in history[0][
        "changes"
    ]
    assert history[-1]["type"] == "created"
    assert (
        _as(client_a, users["bd_b"]).get(f"/api/v1/engagements/{eng['id']}/history/").status_code
        == 404
    )


def test_an_engagement_history_shows_many_to_many_changes_as_ids(client_a, usm):
    other = factories.institution("Universiti Malaya", country="MY")
    eng = _call(client_a, usm, "Call")
    client_a.patch(
        f"/api/v1/engagements/{eng['id']}/",
        {"organizations": [usm.pk, other.pk], "summary": "Call with both"},
        format="json",
    )
    client_a.patch(
        f"/api/v1/engagements/{eng['id']}/", {"organizations": [other.pk]}, format="json"
    )

    history = client_a.get(f"/api/v1/engagements/{eng['id']}/history/").json()

    # Each save and each many-to-many update is its own version, as simple-history records them.
    both = sorted([usm.pk, other.pk], key=str)
    assert [(h["type"], h["changes"]) for h in history] == [
        ("changed", [{"field": "organizations", "old": both, "new": [other.pk]}]),
        ("changed", [{"field": "version", "old": 2, "new": 3}]),
        ("changed", [{"field": "organizations", "old": [usm.pk], "new": both}]),
        (
            "changed",
            [
                {"field": "summary", "old": "Call", "new": "Call with both"},
                {"field": "version", "old": 1, "new": 2},
            ],
        ),
        ("changed", [{"field": "organizations", "old": [], "new": [usm.pk]}]),
        ("created", []),
    ]


def test_a_deleted_engagement_is_restored_through_the_api_with_its_links(client_a, usm):
    eng = _call(client_a, usm, "Worth keeping", thrusts=["T3"])
    assert client_a.delete(f"/api/v1/engagements/{eng['id']}/").status_code == 204

    restored = client_a.post("/api/v1/engagements/restore/", {"id": eng["id"]}, format="json")

    assert restored.status_code == 201
    body = restored.json()
    assert (body["id"], body["organizations"], body["thrusts"], body["summary"]) == (
        eng["id"],
        [usm.pk],
        ["T3"],
        "Worth keeping",
    )


def test_an_engagement_whose_partnership_was_deleted_is_restored_without_it_when_asked(
    client_a, usm
):
    deal = _partnership(client_a, usm)
    eng = _call(client_a, usm, "Worth keeping", partnership=deal["id"])
    assert client_a.delete(f"/api/v1/engagements/{eng['id']}/").status_code == 204
    assert client_a.delete(f"/api/v1/partnerships/{deal['id']}/").status_code == 204
    refused = client_a.post("/api/v1/engagements/restore/", {"id": eng["id"]}, format="json")
    assert refused.status_code == 409
    assert Engagement.objects.count() == 0

    restored = client_a.post(
        "/api/v1/engagements/restore/",
        {"id": eng["id"], "without_partnership": True},
        format="json",
    )

    assert restored.status_code == 201
    body = restored.json()
    assert (body["id"], body["partnership"], body["organizations"], body["summary"]) == (
        eng["id"],
        None,
        [usm.pk],
        "Worth keeping",
    )
    assert Engagement.objects.get().partnership_id is None


def test_another_team_cannot_restore_an_engagement(client_a, api, usm, users):
    eng = _call(client_a, usm, "Ours")
    client_a.delete(f"/api/v1/engagements/{eng['id']}/")

    response = _as(api, users["bd_b"]).post(
        "/api/v1/engagements/restore/", {"id": eng["id"]}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"id": [f"No deleted engagement with id {eng['id']}."]}
    assert Engagement.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"summary": "  Spaces around are trimmed  "},
        {"occurred_at": "2026-11-24T09:30:00+07:00", "kind": "site_visit"},
        {"organizations": "both", "thrusts": ["T6", "T1"], "initiatives": ["T6-01"]},
        {"partnership": "new", "outcome": "Agreed a pilot", "next_step": "Draft the plan"},
        {"contacts": "one", "participants": "me"},
    ],
    ids=["text", "time and kind", "links", "partnership", "people"],
)
def test_a_write_answers_what_a_read_then_says(client_a, usm, users, change):
    # The engagements API answers a PATCH from the record as the service saved it, without
    # reading it again (answer_from_written): the answer must be what a GET then reads.
    other = factories.institution("Universiti Malaya", country="MY")
    contact = factories.contact(usm, "Dr. Aziz", team=users["bd_a"].team)
    eng = _call(client_a, usm, "First words")
    body = {
        **change,
        **({"organizations": [other.pk, usm.pk]} if change.get("organizations") else {}),
        **({"partnership": _partnership(client_a, usm)["id"]} if "partnership" in change else {}),
        **({"contacts": [contact.pk]} if "contacts" in change else {}),
        **({"participants": [users["bd_a"].pk]} if "participants" in change else {}),
    }

    written = client_a.patch(f"/api/v1/engagements/{eng['id']}/", body, format="json")
    read = client_a.get(f"/api/v1/engagements/{eng['id']}/")

    assert written.status_code == 200, written.json()
    assert written.json() == read.json()
    assert written["ETag"] == read["ETag"]
    assert written.json()["version"] == eng["version"] + 1
