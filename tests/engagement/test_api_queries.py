"""Every list and detail endpoint runs a fixed number of queries, whatever the page size and
however many related rows a record has: no N+1.

Lists are read with page_size=2 and page_size=20 over at least 20 records; details are read
for a record with one related row of each kind and for one with twenty.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.actors import LOADER
from engagement.api import crm_serializers as crm_s
from engagement.api import serializers as api_s
from engagement.api.crm_views.engagements import EngagementViewSet
from engagement.api.crm_views.mous import MoUViewSet
from engagement.api.crm_views.partnerships import PartnershipViewSet
from engagement.api.related import ATTR, attach_many
from engagement.api.views import OrganizationViewSet
from engagement.models import (
    ApiRequestCount,
    Capability,
    Engagement,
    Initiative,
    MemberState,
    Organization,
    Thrust,
)
from engagement.services.directory import organization_update
from engagement.services.engagements import engagement_delete, engagement_update
from engagement.services.notifications import notify
from engagement.services.partnerships import partnership_transition, partnership_update
from engagement.services.pilots import kpi_add, kpi_record, milestone_add
from tests import factories
from tests.engagement.api_world import shared_world

pytestmark = pytest.mark.django_db
MANY = 20


def _bulk(world) -> dict:
    """MANY more of every record for team A, and for each kind a "small" record (one related
    row of each kind) and a "big" one (MANY of them)."""
    a = world.a
    bd, team, today = a.bd, a.team, world.today
    capabilities = list(Capability.objects.filter(parent__isnull=False)[:MANY])
    thrusts = list(Thrust.objects.values_list("code", flat=True))
    initiatives = list(Initiative.objects.values_list("code", flat=True)[:MANY])
    states = list(MemberState.objects.values_list("iso2", flat=True))
    orgs = [
        factories.institution(
            f"Institute {i}",
            capabilities=[c.code for c in capabilities[: 1 + i % 3]],
            needs=[c.code for c in capabilities[i % 5 : i % 5 + 2]],
            thrusts=thrusts[: 1 + i % 3],
        )
        for i in range(MANY)
    ]
    big_org = factories.company(
        "Big Company",
        capabilities=[c.code for c in capabilities],
        thrusts=thrusts,
        priority_countries=states,
        presence_countries=states,
    )
    contacts = [factories.contact(orgs[i], f"Person {i}") for i in range(MANY)]
    deals = [
        factories.partnership(
            team, actor=bd, counterparts=orgs[: 1 + i % 3], initiatives=initiatives[: 1 + i % 2]
        )
        for i in range(MANY)
    ]
    big_deal = factories.partnership(
        team, actor=bd, counterparts=orgs, initiatives=initiatives, title="Big deal"
    )
    for stage in ("contacted", "exploring", "mou_negotiation"):
        partnership_transition(actor=bd, partnership=big_deal, to=stage)
    for i in range(MANY):
        partnership_update(actor=bd, partnership=big_deal, notes=f"Note {i}")
    for i in range(MANY):
        factories.engagement(
            team,
            actor=bd,
            organizations=orgs[: 1 + i % 3],
            contacts=[contacts[0].pk],
            thrusts=thrusts[: 1 + i % 2],
            partnership=deals[i].pk,
            next_step="Call back",
            next_step_due=today + dt.timedelta(days=i + 1),
        )
    big_engagement = factories.engagement(
        team,
        actor=bd,
        organizations=orgs,
        contacts=[c.pk for c in contacts],
        participants=[bd.pk, a.integrator.pk],
        thrusts=thrusts,
        initiatives=initiatives,
        partnership=big_deal.pk,
    )
    for i in range(MANY):
        engagement_update(actor=bd, engagement=big_engagement, summary=f"Summary {i}")
    for i in range(MANY):
        organization_update(actor=LOADER, organization=big_org, description=f"Description {i}")
    for i in range(MANY):
        factories.mou(deals[i], actor=bd, parties=[o.pk for o in orgs[: 1 + i % 3]])
    big_mou = factories.mou(big_deal, actor=bd, parties=[o.pk for o in orgs], thrusts=thrusts)
    pilots = [factories.pilot(deals[i], actor=bd) for i in range(MANY)]
    for i, pilot in enumerate(pilots):
        milestone_add(actor=bd, pilot=pilot, title="M", due_on=today + dt.timedelta(days=i + 1))
        kpi_add(actor=bd, pilot=pilot, name="K", target="1")
    big_pilot = factories.pilot(big_deal, actor=bd, objective="Big pilot")
    for i in range(MANY):
        milestone_add(
            actor=bd, pilot=big_pilot, title=f"M{i}", due_on=today + dt.timedelta(days=i + 1)
        )
        kpi_record(
            actor=bd, kpi=kpi_add(actor=bd, pilot=big_pilot, name=f"K{i}", target="1"), actual=i
        )
    for i in range(MANY):
        factories.followup(team, actor=bd, owner=bd, due_on=today + dt.timedelta(days=i))
        notify(user=bd, kind="digest", key=f"bulk-{i}", subject=f"Digest {i}", body="Week.")
    for _ in range(MANY):  # the changes feed: MANY deletions
        gone = factories.engagement(team, actor=bd, organizations=[orgs[0]], summary="Gone")
        engagement_delete(actor=bd, engagement=gone)
    for _ in range(MANY):  # the big deal's timeline
        factories.engagement(team, actor=bd, organizations=[orgs[0]], partnership=big_deal.pk)
    return {
        "big_org": big_org.pk,
        "big_deal": big_deal.pk,
        "big_engagement": big_engagement.pk,
        "big_mou": big_mou.pk,
        "big_pilot": big_pilot.pk,
        "contact": contacts[0].pk,
        "busy_org": orgs[0].pk,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with shared_world(django_db_blocker, tmp_path_factory.mktemp("media")) as built:
        with django_db_blocker.unblock():
            built.big = _bulk(built)
        yield built


@pytest.fixture
def client(db, api, world):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(world.a.bd)}")
    api.get("/api/v1/")  # the token's first use is recorded once; measure after it
    return api


def _count(client, url: str) -> tuple[int, object]:
    """The request's queries, less the rate limit's own (two without Redis, none with it:
    test_api_limits counts them), so that one bound holds on both databases."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    counts = ApiRequestCount._meta.db_table
    return sum(counts not in q["sql"] for q in captured.captured_queries), response.json()


def _rows(body) -> int:
    return len(body["results"] if isinstance(body, dict) else body)


LISTS = [
    "organizations",
    "contacts",
    "engagements",
    "partnerships",
    "mous",
    "pilots",
    "follow-ups",
    "notifications",
    "changes",
    "core-areas",
    "thrusts",
    "initiatives",
    "capabilities",
    "member-states",
    "org-types",
    "partnership-types",
]


@pytest.mark.parametrize("resource", LISTS)
def test_a_list_runs_the_same_queries_for_2_rows_as_for_20(client, resource):
    small, small_body = _count(client, f"/api/v1/{resource}/?page_size=2")
    large, large_body = _count(client, f"/api/v1/{resource}/?page_size={MANY}")

    assert _rows(small_body) == 2
    if resource not in ("core-areas", "thrusts", "member-states", "org-types", "partnership-types"):
        assert _rows(large_body) == MANY
    assert small == large


@pytest.mark.parametrize(
    "name",
    ["organization timeline", "partnership timeline", "initiative timeline", "state timeline"],
)
def test_a_timeline_runs_the_same_queries_for_2_entries_as_for_20(client, world, name):
    url = {
        "organization timeline": f"/api/v1/organizations/{world.big['busy_org']}/timeline/",
        "partnership timeline": f"/api/v1/partnerships/{world.big['big_deal']}/timeline/",
        # The big deal is linked to the first initiatives and works with Malaysian institutes.
        "initiative timeline": "/api/v1/initiatives/T1-01/timeline/",
        "state timeline": "/api/v1/member-states/MY/timeline/",
    }[name]
    small, small_body = _count(client, f"{url}?limit=2")
    large, large_body = _count(client, f"{url}?limit={MANY}")

    assert (_rows(small_body), _rows(large_body)) == (2, MANY)
    assert small == large


# (name, URL of a record with one related row of each kind, URL of one with MANY)
DETAILS = [
    ("organization", "/organizations/{usm}/", "/organizations/{big_org}/"),
    ("engagement", "/engagements/{engagement}/", "/engagements/{big_engagement}/"),
    ("partnership", "/partnerships/{partnership}/", "/partnerships/{big_deal}/"),
    ("mou", "/mous/{mou}/", "/mous/{big_mou}/"),
    ("pilot", "/pilots/{pilot}/", "/pilots/{big_pilot}/"),
    ("organization history", "/organizations/{usm}/history/", "/organizations/{big_org}/history/"),
    ("pilot history", "/pilots/{pilot}/history/", "/pilots/{big_pilot}/history/"),
    (
        "engagement history",
        "/engagements/{engagement}/history/",
        "/engagements/{big_engagement}/history/",
    ),
    (
        "partnership history",
        "/partnerships/{partnership}/history/",
        "/partnerships/{big_deal}/history/",
    ),
    ("mou history", "/mous/{mou}/history/", "/mous/{big_mou}/history/"),
]


@pytest.mark.parametrize(
    ("name", "small_url", "big_url"),
    DETAILS,
    ids=[d.values[0] if hasattr(d, "values") else d[0] for d in DETAILS],
)
def test_a_detail_runs_the_same_queries_however_many_related_rows(
    client, world, name, small_url, big_url
):
    ids = {**world.a.ids, **world.big, "usm": world.usm}

    small, _ = _count(client, "/api/v1" + small_url.format(**ids))
    big, _ = _count(client, "/api/v1" + big_url.format(**ids))

    assert small == big


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/contacts/{contact}/",
        "/api/v1/follow-ups/{followup}/",
        "/api/v1/notifications/{notification}/",
        "/api/v1/follow-ups/{followup}/history/",
        "/api/v1/thrusts/T1/",
        "/api/v1/capabilities/MAT.RESIST/",
        "/api/v1/member-states/MY/",
    ],
)
def test_other_details_answer_in_a_handful_of_queries(client, world, url):
    count, _ = _count(client, url.format(**{**world.a.ids, **world.big}))

    # The token and the record with its relations (the throttle's counts aside).
    assert count <= 6


@pytest.mark.parametrize("resource", ["organizations", "engagements", "partnerships", "mous"])
def test_a_list_page_shows_each_record_exactly_as_its_detail_does(client, resource):
    # A page and a single record read many-to-many ids and codes from the through tables
    # (engagement.api.related) for different sets of ids: both must say the same, in one order.
    page = client.get(f"/api/v1/{resource}/?page_size={MANY}").json()["results"]

    details = [client.get(f"/api/v1/{resource}/{row['id']}/").json() for row in page]

    assert len(page) == MANY
    assert page == details


@pytest.mark.parametrize(
    ("model", "view"),
    [(Organization, OrganizationViewSet), (Engagement, EngagementViewSet)],
    ids=["organizations", "engagements"],
)
def test_one_query_reads_every_relation_in_each_relation_s_own_order(world, model, view):
    # attach_many stacks every relation in one UNION ALL; each record must still get exactly
    # what its relation holds, in the related model's order, as the ORM reads it one by one.
    records = list(model.objects.order_by("pk"))
    relations = view.many_values

    with CaptureQueriesContext(connection) as captured:
        attach_many(records, model, relations)

    assert len(captured) == 1
    assert len(records) >= MANY
    for record in records:
        expected = {
            name: list(getattr(record, name).values_list(shown, flat=True))
            for name, shown in relations.items()
        }
        assert getattr(record, ATTR) == expected, record.pk


@pytest.mark.parametrize("resource", ["organizations", "engagements"])
def test_pages_of_one_length_show_each_their_own_links(client, resource):
    # The through-table query of a page is compiled once per number of ids and run again with
    # the next page's ids (engagement.api.related): every page must still show its own.
    url, pages = f"/api/v1/{resource}/?page_size=5", []
    while url and len(pages) < 4:
        body = client.get(url).json()
        pages.append(body["results"])
        url = body["next"]

    assert [len(p) for p in pages] == [5, 5, 5, 5]
    for page in pages:
        assert page == [client.get(f"/api/v1/{resource}/{row['id']}/").json() for row in page]


VIEWS_WITH_LINKS = [OrganizationViewSet, EngagementViewSet, PartnershipViewSet, MoUViewSet]


@pytest.mark.parametrize(
    ("serializer_class", "model_name"),
    [
        (api_s.OrganizationSerializer, "Organization"),
        (api_s.ContactSerializer, "Contact"),
        (api_s.CapabilitySerializer, "Capability"),
        (api_s.InitiativeSerializer, "Initiative"),
        (crm_s.EngagementSerializer, "Engagement"),
        (crm_s.PartnershipSerializer, "Partnership"),
        (crm_s.MoUSerializer, "MoU"),
        (crm_s.PilotSerializer, "Pilot"),
        (crm_s.FollowUpSerializer, "FollowUp"),
    ],
)
def test_the_short_road_for_plain_fields_says_what_drf_says(
    db, world, serializer_class, model_name
):
    # engagement.api.related.ModelSerializer reads plain fields directly; DRF's own
    # to_representation is the reference.
    from django.apps import apps
    from rest_framework import serializers as drf

    model = apps.get_model("engagement", model_name)
    objects = list(model.objects.all()[:MANY])
    serializer = serializer_class(context={"request": None})

    fast = [serializer.to_representation(obj) for obj in objects]
    reference = [drf.ModelSerializer.to_representation(serializer, obj) for obj in objects]
    # A page's links as attach_many reads them, against DRF reading each relation itself.
    view = next(
        (v for v in VIEWS_WITH_LINKS if v.output_serializer_class is serializer_class), None
    )
    if view is not None:
        paged = list(model.objects.filter(pk__in=[o.pk for o in objects]).order_by("pk"))
        attach_many(paged, model, view.many_values)
        by_pk = {obj.pk: serializer.to_representation(obj) for obj in paged}
        assert [by_pk[obj.pk] for obj in objects] == reference

    assert objects
    assert fast == reference
