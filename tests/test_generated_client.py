"""The OpenAPI schema is enough to integrate: a Python client generated from it (by
openapi-python-client, as an integrator would) registers a webhook, creates an organization,
logs an engagement, adds and deletes a follow-up, pages through the changes feed, and the
webhook arrives, signed, through the real worker. Nothing here is written by hand against the
API's URLs: every call goes through the generated code."""

import datetime as dt
import hashlib
import hmac
import importlib
import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from django.test import Client

from tests import factories
from tests.browser import test_flows as flows
from tests.webhook_receiver import webhook_receiver

_media_url_for_live_server = flows._media_url_for_live_server
live_server = flows.live_server

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
WAIT = 30.0
PACKAGE = "afiss_client"


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def generated(tmp_path_factory, schema):
    """The client package generated from the schema the API serves."""
    where = tmp_path_factory.mktemp("client")
    (where / "schema.json").write_text(json.dumps(schema))
    (where / "config.yaml").write_text(
        f"post_hooks: []\nproject_name_override: afiss-client\npackage_name_override: {PACKAGE}\n"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(where / "schema.json"),
            "--output-path",
            str(where / "out"),
            "--config",
            str(where / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # Every operation of the schema became a function: nothing was skipped as unreadable.
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(where / "out"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where / "out"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _api(name: str):
    return importlib.import_module(f"{PACKAGE}.api.v1.{name}")


def _model(name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def test_an_integrator_works_through_the_generated_client(
    generated, schema, celery_worker_process, live_server, users
):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    as_bd = generated.AuthenticatedClient(
        base_url=live_server.url, token=factories.token(users["bd_a"]), prefix="Token"
    )
    as_integrator = generated.AuthenticatedClient(
        base_url=live_server.url, token=factories.token(users["integrator_a"]), prefix="Token"
    )

    with webhook_receiver() as receiver:
        endpoint = _api("v1_webhook_endpoints_create").sync(
            client=as_integrator,
            body=_model("WebhookEndpointInputRequest")(
                url=receiver.url, events=["engagement.created"]
            ),
        )
        org = _api("v1_organizations_create").sync(
            client=as_bd,
            body=_model("OrganizationInputRequest")(
                kind=_model("OrganizationKindEnum").ASEAN_INSTITUTION,
                org_type="university",
                name="Universiti Teknologi Malaysia",
                country="MY",
            ),
        )
        engagement = _api("v1_engagements_create").sync(
            client=as_bd,
            body=_model("EngagementInputRequest")(
                occurred_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC),
                kind=_model("EngagementKindEnum").MEETING,
                organizations=[org.id],
                summary="Met the dean about a wafer-level packaging course",
            ),
        )
        followup = _api("v1_follow_ups_create").sync(
            client=as_bd,
            body=_model("FollowUpInputRequest")(
                due_on=dt.date(2026, 12, 10),
                note="Send the syllabus",
                subject=_model("SubjectRequest")(
                    type_=_model("SubjectTypeEnum").ENGAGEMENT, id=engagement.id
                ),
            ),
        )
        deleted = _api("v1_follow_ups_destroy").sync_detailed(client=as_bd, id=followup.id)

        # The changes feed, one entry a page, followed by its cursors to the end.
        seen, cursor, pages = [], None, 0
        while True:
            page = _api("v1_changes_list").sync(
                client=as_bd, since=start, page_size=1, **({"cursor": cursor} if cursor else {})
            )
            pages += 1
            seen += [(t.resource, t.object_id) for t in page.results]
            if not page.next_:
                break
            cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]

        [request] = receiver.wait_for(1, timeout=WAIT)

    assert org.name == "Universiti Teknologi Malaysia"
    assert [o for o in engagement.organizations] == [org.id]
    assert deleted.status_code == 204
    assert ("follow-ups", followup.id) in seen and pages == len(seen)
    body = json.loads(request.body)
    assert (body["event"], body["data"]["id"]) == ("engagement.created", engagement.id)
    # The payload is the one the schema documents for this event.
    components = schema["components"]["schemas"]
    jsonschema.validate(body, components["WebhookEventEngagementCreated"])
    assert {"$ref": "#/components/schemas/WebhookEventEngagementCreated"} in (
        components["WebhookPayload"]["oneOf"]
    )
    timestamp = request.headers["X-AFISS-Timestamp"]
    signature = hmac.new(
        endpoint.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-AFISS-Signature"] == f"sha256={signature}"
