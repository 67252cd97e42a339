"""The API's access matrix: every resource and action, for every kind of caller, against
another team's records. Zero leaks: another team's record is not found (404) on detail and
actions, refused like a record that never existed when named in a body, and absent from
lists, filters, searches, timelines and the changes feed. Program managers read everything
and write no team record (403); administrators may; anonymous callers get 401 with the
token challenge; a read-only token writes nothing (403).

Each row of OPS is one (resource, action, method, URL template, body factory); appending a
line covers a new resource for every caller. URL templates and bodies are filled in with the
ids of the *target* team's records (team B's), see tests/engagement/api_world.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagement.models import WebhookDelivery
from tests import factories
from tests.engagement.api_world import PDF, Side, fingerprint, shared_world

pytestmark = pytest.mark.django_db

ANY_TIME = "2000-01-01T00:00:00Z"
NOT_FOUND = {"type": "not_found", "detail": "Not found.", "errors": {}}


def _id(item: dict) -> Any:
    return item.get("id", item.get("code", item.get("iso2")))


def _event(item: dict) -> Any:
    return (item["object_type"], item["object_id"])


def _tombstone(item: dict) -> Any:
    return (item["resource"], item["object_id"])


@dataclass(frozen=True)
class Op:
    """One request. `scope` says whose the data is: `team` (team-owned records), `personal`
    (the caller's own notifications) or `shared` (directory and reference data). `kind` is
    `read`, `write`, `create` (a POST that names the target's record in its body, `field`)
    or `list` (`shown` gives the identities of a side's records the answer lists, `key`
    the identity of one result)."""

    resource: str
    action: str
    method: str
    url: str
    body: Callable[[Side, Any], Any] | None = None
    kind: str = "read"
    scope: str = "team"
    field: str = ""
    shown: Callable[[Side], set] | None = None
    key: Callable[[dict], Any] = _id
    multipart: bool = False
    outsider: str = "not_found"  # a personal write by anyone but its owner
    program_manager: str = ""  # when a rule of its own lets program managers do it
    owner: str = ""  # when a rule of its own refuses the record's own team
    # The shared directory's stewardship: the outcome for each signed-in caller, by rule
    # (engagement.policy.organization_write), instead of derived from the record's team.
    table: dict[str, str] | None = None

    @property
    def id(self) -> str:
        return f"{self.resource}.{self.action}"


def _engagement(s, w):
    return {
        "occurred_at": "2026-11-20T10:00:00Z",
        "kind": "call",
        "organizations": [w.usm],
        "summary": "Rewritten",
    }


def _partnership(s, w):
    return {
        "title": "Rewritten deal",
        "counterparts": [w.usm],
        "partnership_type": "training_programme",
    }


def _pdf(s, w):
    return {"document": SimpleUploadedFile("new.pdf", PDF, "application/pdf")}


def _day(w, days: int) -> str:
    return (w.today + dt.timedelta(days=days)).isoformat()


# Row builders, so that one resource action is one line of the table below.
def lst(resource, action, url, shown=None, **kw) -> Op:
    """A GET whose results must list (or hide) the records `shown(side)` names."""
    return Op(resource, action, "GET", V + url, kind="list", shown=shown, **kw)


def read(resource, action, url, **kw) -> Op:
    return Op(resource, action, "GET", V + url, **kw)


def write(resource, action, method, url, body=None, **kw) -> Op:
    return Op(resource, action, method, V + url, body, kind="write", **kw)


def directory(resource, action, method, url, body=None, **table) -> Op:
    """A write to the shared directory, with its outcome for each caller (`bd_member_of_A`,
    `integrator_of_A`, `program_manager`, `admin`, `owner` = team B's BD member)."""
    return Op(resource, action, method, V + url, body, kind="write", scope="shared", table=table)


def create(resource, action, url, body, field) -> Op:
    """A POST naming another team's record (`field`) in its body."""
    return Op(resource, action, "POST", V + url, body, kind="create", field=field)


E, P, M, PI, F = "engagements", "partnerships", "mous", "pilots", "follow-ups"
CT, SE = "contacts", "suggested-edits"
CONTACT, EDIT = "/contacts/{contact}/", "/suggested-edits/{suggested_edit}/"
USM_URL, LAB_URL, COMPANY_URL = (
    "/organizations/{usm}/",
    "/organizations/{own_lab}/",
    "/organizations/{company}/",
)
# Directory rules (engagement.policy): who may write what, by caller.
REVIEWED = {  # a shared record both teams work with: program managers and admins edit it
    "bd_member_of_A": "forbidden",
    "integrator_of_A": "forbidden",
    "program_manager": "allowed",
    "admin": "allowed",
    "owner": "forbidden",
}
OWN = {**REVIEWED, "owner": "allowed"}  # team B's own company, or a record only B works with
SUGGEST = {  # anyone of a team proposes; program managers and admins edit directly instead
    "bd_member_of_A": "allowed",
    "integrator_of_A": "allowed",
    "program_manager": "forbidden",
    "admin": "forbidden",
    "owner": "allowed",
}
REMOVE_REFERRED = {**REVIEWED, "program_manager": "conflict", "admin": "conflict"}
MS, SUGGESTION = "match-suggestions", "/match-suggestions/{match_suggestion}/"
WH, WD, HOOK = "webhook-endpoints", "webhook-deliveries", "/webhook-endpoints/{webhook_endpoint}/"
V = "/api/v1"
ENG, DEAL = "/engagements/{engagement}/", "/partnerships/{partnership}/"
MOU, SIGNED = "/mous/{mou}/", "/mous/{signed_mou}/"
PILOT, RUNNING, FUP = "/pilots/{pilot}/", "/pilots/{running_pilot}/", "/follow-ups/{followup}/"

# fmt: off
OPS: list[Op] = [
    lst(E, "list", "/engagements/", lambda s: {s.engagement}),
    lst(E, "filter-partnership", "/engagements/?partnership={partnership}",
        lambda s: {s.engagement}),
    lst(E, "filter-organization", "/engagements/?organization={usm}", lambda s: {s.engagement}),
    lst(E, "filter-updated-since", f"/engagements/?updated_since={ANY_TIME}",
        lambda s: {s.engagement}),
    lst(E, "search", "/engagements/?search=Confidential", lambda s: {s.engagement}),
    read(E, "detail", ENG),
    read(E, "history", ENG + "history/"),
    write(E, "update", "PUT", ENG, _engagement),
    write(E, "partial-update", "PATCH", ENG, lambda s, w: {"summary": "Changed"}),
    write(E, "delete", "DELETE", ENG),
    create(E, "create", "/engagements/",
           lambda s, w: {**_engagement(s, w), "partnership": s.partnership}, "partnership"),
    create(E, "restore", "/engagements/restore/", lambda s, w: {"id": s.deleted_engagement},
           "id"),
    create(E, "create-with-contact", "/engagements/",
           lambda s, w: {**_engagement(s, w), "contacts": [s.contact]}, "contacts"),

    # Contacts: who a team knows at an institution is that team's (program managers keep them)
    lst(CT, "list", "/contacts/", lambda s: {s.contact}),
    lst(CT, "filter-organization", "/contacts/?organization={usm}", lambda s: {s.contact}),
    lst(CT, "search", "/contacts/?search=Confidential", lambda s: {s.contact}),
    lst(CT, "export-csv", "/contacts/?format=csv", lambda s: {s.contact}),
    read(CT, "detail", CONTACT),
    read(CT, "history", CONTACT + "history/"),
    write(CT, "update", "PUT", CONTACT,
          lambda s, w: {"organization": w.usm, "name": "Renamed", "title": "Dean"},
          program_manager="allowed"),
    write(CT, "partial-update", "PATCH", CONTACT, lambda s, w: {"title": "Changed"},
          program_manager="allowed"),
    write(CT, "delete", "DELETE", CONTACT, program_manager="allowed"),

    # Suggested edits to the shared directory: the proposer's team's; program managers decide
    lst(SE, "list", "/suggested-edits/", lambda s: {s.suggested_edit}),
    lst(SE, "filter-status", "/suggested-edits/?status=pending", lambda s: {s.suggested_edit}),
    lst("organizations", "suggested-edits", USM_URL + "suggested-edits/",
        lambda s: {s.suggested_edit}),
    read(SE, "detail", EDIT),
    write(SE, "apply", "POST", EDIT + "apply/", lambda s, w: {}, program_manager="allowed",
          owner="forbidden"),
    write(SE, "decline", "POST", EDIT + "decline/", lambda s, w: {"note": "No"},
          program_manager="allowed", owner="forbidden"),

    lst(P, "list", "/partnerships/", lambda s: {s.partnership}),
    lst(P, "filter-counterpart", "/partnerships/?counterpart={usm}", lambda s: {s.partnership}),
    lst(P, "filter-stage", "/partnerships/?stage=identified", lambda s: {s.partnership}),
    lst(P, "search", "/partnerships/?search=Confidential", lambda s: {s.partnership}),
    read(P, "detail", DEAL),
    read(P, "history", DEAL + "history/"),
    read(P, "timeline", DEAL + "timeline/"),
    write(P, "update", "PUT", DEAL, _partnership),
    write(P, "partial-update", "PATCH", DEAL, lambda s, w: {"notes": "Changed"}),
    write(P, "delete", "DELETE", DEAL),
    write(P, "transition", "POST", DEAL + "transition/", lambda s, w: {"to": "contacted"}),
    create(P, "create", "/partnerships/", lambda s, w: {**_partnership(s, w), "owner": s.member},
           "owner"),

    lst(M, "list", "/mous/", lambda s: {s.mou, s.signed_mou}),
    lst(M, "filter-partnership", "/mous/?partnership={partnership}",
        lambda s: {s.mou, s.signed_mou}),
    lst(M, "filter-status", "/mous/?status=draft", lambda s: {s.mou}),
    read(M, "detail", MOU),
    read(M, "history", MOU + "history/"),
    read(M, "download-document", MOU + "document/"),
    write(M, "upload-document", "POST", MOU + "document/", _pdf, multipart=True),
    write(M, "update", "PUT", MOU, lambda s, w: {"partnership": s.partnership, "title": "New"}),
    write(M, "partial-update", "PATCH", MOU, lambda s, w: {"title": "Changed"}),
    write(M, "delete", "DELETE", MOU),
    write(M, "sign", "POST", MOU + "sign/", lambda s, w: {"signed_on": _day(w, -1)}),
    write(M, "renew", "POST", SIGNED + "renew/",
          lambda s, w: {"effective_on": _day(w, 400), "expires_on": _day(w, 800)}),
    write(M, "terminate", "POST", SIGNED + "terminate/", lambda s, w: {"reason": "Budget cut"}),
    create(M, "create", "/mous/", lambda s, w: {"partnership": s.partnership, "title": "MoU 2"},
           "partnership"),

    lst(PI, "list", "/pilots/", lambda s: {s.pilot, s.running_pilot}),
    lst(PI, "filter-partnership", "/pilots/?partnership={partnership}",
        lambda s: {s.pilot, s.running_pilot}),
    lst(PI, "filter-status", "/pilots/?status=running", lambda s: {s.running_pilot}),
    read(PI, "detail", PILOT),
    read(PI, "history", PILOT + "history/"),
    write(PI, "update", "PUT", PILOT,
          lambda s, w: {"partnership": s.partnership, "objective": "Rewritten"}),
    write(PI, "partial-update", "PATCH", PILOT, lambda s, w: {"objective": "Changed"}),
    write(PI, "delete", "DELETE", PILOT),
    write(PI, "start", "POST", PILOT + "start/", lambda s, w: {}),
    write(PI, "complete", "POST", RUNNING + "complete/", lambda s, w: {}),
    write(PI, "cancel", "POST", PILOT + "cancel/"),
    write(PI, "add-milestone", "POST", PILOT + "add-milestone/",
          lambda s, w: {"title": "Lab ready", "due_on": _day(w, 60)}),
    write(PI, "complete-milestone", "POST", PILOT + "complete-milestone/",
          lambda s, w: {"milestone": s.milestone}),
    write(PI, "add-kpi", "POST", PILOT + "add-kpi/",
          lambda s, w: {"name": "Yield", "target": "95", "unit": "%"}),
    write(PI, "record-kpi", "POST", PILOT + "record-kpi/",
          lambda s, w: {"kpi": s.kpi, "actual": "12"}),
    create(PI, "create", "/pilots/",
           lambda s, w: {"partnership": s.partnership, "objective": "Pilot 2"}, "partnership"),

    lst(F, "list", "/follow-ups/", lambda s: {s.followup}),
    lst(F, "filter-partnership", "/follow-ups/?partnership={partnership}",
        lambda s: {s.followup}),
    lst(F, "filter-status", "/follow-ups/?status=open", lambda s: {s.followup}),
    read(F, "detail", FUP),
    read(F, "history", FUP + "history/"),
    write(F, "update", "PUT", FUP, lambda s, w: {"due_on": _day(w, 9), "note": "Rewritten"}),
    write(F, "partial-update", "PATCH", FUP, lambda s, w: {"note": "Changed"}),
    write(F, "delete", "DELETE", FUP),
    write(F, "complete", "POST", FUP + "complete/"),
    write(F, "cancel", "POST", FUP + "cancel/"),
    create(F, "create", "/follow-ups/",
           lambda s, w: {"due_on": _day(w, 3), "note": "Chase",
                         "subject": {"type": "partnership", "id": s.partnership}}, "subject"),

    # Exports: every record the filters select, as a file
    *(lst(name, "export-csv", f"/{name}/?format=csv", shown) for name, shown in (
        (E, lambda s: {s.engagement}),
        (P, lambda s: {s.partnership}),
        (M, lambda s: {s.mou, s.signed_mou}),
        (PI, lambda s: {s.pilot, s.running_pilot}),
        (F, lambda s: {s.followup}),
    )),
    lst(E, "export-search-csv", "/engagements/?search=Confidential&format=csv",
        lambda s: {s.engagement}),

    # Timelines and the changes feed (deletions)
    lst("organizations", "timeline", "/organizations/{usm}/timeline/",
        lambda s: {("engagement", s.engagement), ("partnership", s.partnership)}, key=_event),
    # Both teams' deals are linked to T6-01 and work with USM, in Malaysia
    lst("initiatives", "timeline", "/initiatives/T6-01/timeline/",
        lambda s: {("engagement", s.engagement), ("partnership", s.partnership)}, key=_event),
    lst("member-states", "timeline", "/member-states/MY/timeline/",
        lambda s: {("engagement", s.engagement), ("partnership", s.partnership)}, key=_event),
    lst("changes", "list", "/changes/", lambda s: {("engagements", s.deleted_engagement)},
        key=_tombstone),
    lst("changes", "since", f"/changes/?since={ANY_TIME}&resource=engagements",
        lambda s: {("engagements", s.deleted_engagement)}, key=_tombstone),

    # Notifications: each person's own, administrators included
    lst("notifications", "list", "/notifications/", lambda s: {s.notification},
        scope="personal"),
    lst("notifications", "unread", "/notifications/?unread=true", lambda s: {s.notification},
        scope="personal"),
    read("notifications", "detail", "/notifications/{notification}/", scope="personal"),
    write("notifications", "mark-read", "POST", "/notifications/mark-read/",
          lambda s, w: {"ids": [s.notification]}, scope="personal", outsider="nothing_marked"),

    # Webhooks: endpoints are their owner's; deliveries of a team's events go only to endpoints
    # whose owner may see the record
    lst(WH, "list", "/webhook-endpoints/", lambda s: {s.webhook_endpoint}, scope="personal"),
    read(WH, "detail", HOOK, scope="personal"),
    read(WH, "deliveries", HOOK + "deliveries/", scope="personal"),
    write(WH, "partial-update", "PATCH", HOOK, lambda s, w: {"description": "x"},
          scope="personal"),
    write(WH, "rotate-secret", "POST", HOOK + "rotate-secret/", scope="personal"),
    write(WH, "delete", "DELETE", HOOK, scope="personal"),
    lst(WD, "list", "/webhook-deliveries/", lambda s: {s.webhook_delivery}, scope="personal"),
    lst(WD, "filter-endpoint", "/webhook-deliveries/?endpoint={webhook_endpoint}",
        lambda s: {s.webhook_delivery}, scope="personal"),
    read(WD, "detail", "/webhook-deliveries/{webhook_delivery}/", scope="personal"),
    write(WD, "replay", "POST", "/webhook-deliveries/{webhook_delivery}/replay/",
          scope="personal"),

    # Partner suggestions: a company's are its team's (and program managers', who may also
    # decide them: engagement.policy.can_decide_matches_for)
    lst(MS, "list", "/match-suggestions/", lambda s: {s.match_suggestion}),
    lst(MS, "filter-company", "/match-suggestions/?company={company}",
        lambda s: {s.match_suggestion}),
    read(MS, "detail", SUGGESTION),
    write(MS, "accept", "POST", SUGGESTION + "accept/", lambda s, w: {},
          program_manager="allowed"),
    write(MS, "reject", "POST", SUGGESTION + "reject/", lambda s, w: {"reason": "not_relevant"},
          program_manager="allowed"),
    write(MS, "snooze", "POST", SUGGESTION + "snooze/", lambda s, w: {"until": _day(w, 30)},
          program_manager="allowed"),

    # Import jobs: their uploader's
    lst("import-jobs", "list", "/import-jobs/", lambda s: {s.import_job}, scope="personal"),
    read("import-jobs", "detail", "/import-jobs/{import_job}/", scope="personal"),

    # The shared directory and reference data: every signed-in caller
    lst("organizations", "list", "/organizations/", scope="shared"),
    lst("organizations", "search", "/organizations/?search=Sains", scope="shared"),
    read("organizations", "detail", "/organizations/{usm}/", scope="shared"),
    read("organizations", "history", USM_URL + "history/", scope="shared"),
    directory("organizations", "partial-update-shared", "PATCH", USM_URL,
              lambda s, w: {"description": "Penang"}, **REVIEWED),
    directory("organizations", "partial-update-company", "PATCH", COMPANY_URL,
              lambda s, w: {"description": "Etch and deposition"}, **OWN),
    directory("organizations", "partial-update-own-entry", "PATCH", LAB_URL,
              lambda s, w: {"description": "Cleanroom"}, **OWN),
    directory("organizations", "delete-referred", "DELETE", USM_URL, **REMOVE_REFERRED),
    directory("organizations", "archive", "POST", USM_URL + "archive/",
              lambda s, w: {"archived": True}, **{**REVIEWED, "owner": "forbidden"}),
    directory("organizations", "suggest-edit", "POST", USM_URL + "suggested-edits/",
              lambda s, w: {"changes": {"website": "https://usm.my"}, "reason": "Their site"},
              **SUGGEST),
    *(lst(name, "list", f"/{name}/", scope="shared") for name in (
        "core-areas", "thrusts", "initiatives", "capabilities", "member-states", "org-types",
        "partnership-types",
    )),
    read("thrusts", "detail", "/thrusts/T6/", scope="shared"),
    read("member-states", "detail", "/member-states/MY/", scope="shared"),
]
# fmt: on


# Who calls, against team B's records. "owner" is team B's own BD member (the control: the
# same request is allowed for the record's team); "read_only_token" is team B's integrator
# with a read-only token.
ACTORS = [
    "bd_member_of_A",
    "integrator_of_A",
    "program_manager",
    "admin",
    "anonymous",
    "read_only_token",
    "owner",
]
OUTSIDERS = {"bd_member_of_A", "integrator_of_A"}
SEES_ALL = {"program_manager", "admin"}


def expected(op: Op, actor: str) -> str:
    """The outcome, by the access rules in README "API" and engagement.policy."""
    if actor == "anonymous":
        return "unauthenticated"
    writes = op.kind in ("write", "create")
    if actor == "read_only_token" and writes:
        return "read_only"
    if actor == "read_only_token" and op.scope != "personal":
        return "shows" if op.kind == "list" else "ok"
    if op.table is not None:
        return op.table[actor]
    if op.scope == "shared":
        return "allowed" if writes else ("shows" if op.kind == "list" else "ok")
    if op.scope == "personal":  # the read-only token is team B's integrator: not the owner
        if actor == "owner":
            return "shows" if op.kind == "list" else "ok"
        return {"list": "hides", "read": "not_found", "write": op.outsider}[op.kind]
    if actor == "owner":
        return op.owner or ("shows" if op.kind == "list" else "ok")
    if op.kind == "list":
        return "hides" if actor in OUTSIDERS else "shows"
    if actor in OUTSIDERS:
        return {"read": "not_found", "write": "not_found", "create": "unknown_reference"}[op.kind]
    if actor == "program_manager":
        return op.program_manager or ("forbidden" if writes else "ok")
    return "allowed" if writes else "ok"  # admin


CASES = [
    pytest.param(op, actor, id=f"{op.id}[{op.method}]-as-{actor}") for op in OPS for actor in ACTORS
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with shared_world(django_db_blocker, tmp_path_factory.mktemp("media")) as built:
        yield built


@pytest.fixture(autouse=True)
def _media(world, settings):
    settings.MEDIA_ROOT = world.media_root


def _client(api, world, actor: str):
    people = world.people
    user, read_only = {
        "bd_member_of_A": (people["bd_a"], False),
        "integrator_of_A": (people["integrator_a"], False),
        "program_manager": (people["pm"], False),
        "admin": (people["admin"], False),
        "anonymous": (None, False),
        "read_only_token": (people["integrator_b"], True),
        "owner": (people["bd_b"], False),
    }[actor]
    if user is not None:
        key = factories.token(user, read_only=read_only)
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _send(client, op: Op, side: Side, world):
    url = op.url.format(**side.ids, usm=world.usm)
    body = op.body(side, world) if op.body else None
    method = getattr(client, op.method.lower())
    if op.multipart:
        return method(url, body, format="multipart")
    return method(url, body, format="json") if body is not None else method(url)


def _results(response) -> list[dict]:
    if response["Content-Type"].startswith("text/csv"):
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return [{**row, "id": int(row["id"])} for row in csv.DictReader(io.StringIO(text))]
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def _ghost(side: Side) -> Side:
    """The same side with ids no record has: what "does not exist" looks like."""
    ghost = Side(name="ghost", team=side.team, bd=side.bd, integrator=side.integrator)
    ghost.ids.update({k: 900_000 + i for i, k in enumerate(side.ids)})
    return ghost


def _masked(errors: dict, side: Side) -> str:
    text = json.dumps(errors, sort_keys=True)
    for value in sorted(side.ids.values(), key=lambda v: -len(str(v))):
        text = text.replace(str(value), "<id>")
    return text


@pytest.mark.parametrize(("op", "actor"), CASES)
def test_access(db, api, world, op, actor):
    target = world.b
    before = fingerprint()
    outcome = expected(op, actor)

    client = _client(api, world, actor)
    response = _send(client, op, target, world)

    status = response.status_code
    assert status < 500, response.content[:500]
    if outcome == "unauthenticated":
        assert status == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["type"] == "not_authenticated"
    elif outcome == "not_found":
        assert status == 404
        assert response.json() == NOT_FOUND
    elif outcome == "forbidden":
        assert status == 403
        assert response.json()["type"] == "permission_denied"
    elif outcome == "read_only":
        assert status == 403
        assert response.json() == {
            "type": "permission_denied",
            "detail": "This token is read-only.",
            "errors": {},
        }
    elif outcome == "unknown_reference":
        # Named in a body, another team's record is refused exactly like one that never
        # existed: the same status and the same words, only the id differs. The body has the
        # schema's shape; the rule that names only records you may see refuses it.
        assert status == 422
        assert op.field in response.json()["errors"]
        ghost = _ghost(target)
        never = _send(client, op, ghost, world)
        assert never.status_code == status
        assert _masked(never.json(), ghost) == _masked(response.json(), target)
    elif outcome == "conflict":
        # Still referred to: how many records, never whose.
        assert status == 409
        assert response.json()["type"] == "conflict"
        assert response.json()["references"] > 0
    elif outcome == "nothing_marked":
        assert (status, response.json()) == (200, {"marked": 0})
    elif outcome == "allowed":
        assert status not in (401, 403, 404), response.content[:500]
    elif outcome == "ok":
        assert 200 <= status < 300, response.content[:500]
    elif outcome in ("shows", "hides"):
        assert status == 200
        listed = {op.key(item) for item in _results(response)}
        if op.shown is not None:
            theirs = op.shown(target)
            if outcome == "shows":
                assert theirs <= listed
            else:
                assert not theirs & listed, f"team B's records leaked: {theirs & listed}"
                names_b = any(f"{{{name}}}" in op.url for name in target.ids)
                if op.scope == "team" and not names_b:  # the caller's own records are there
                    assert op.shown(world.a) <= listed
        else:
            assert listed
    else:  # pragma: no cover
        raise AssertionError(outcome)
    if outcome in (
        "unauthenticated",
        "not_found",
        "forbidden",
        "read_only",
        "unknown_reference",
        "nothing_marked",
        "conflict",
    ):
        assert fingerprint() == before, "a refused request changed something"


def test_each_teams_webhook_endpoint_receives_only_its_own_teams_events(db, world):
    for side, other in ((world.a, world.b), (world.b, world.a)):
        payloads = [
            json.dumps(d.payload, default=str)
            for d in WebhookDelivery.objects.filter(endpoint_id=side.webhook_endpoint)
        ]
        assert len(payloads) >= 3  # partnership, engagements, MoU signature...
        assert not [p for p in payloads if other.team.slug in p or f" of {other.name}" in p]
