"""One record per organization: likely duplicates found across scripts, legal forms,
abbreviations and websites; a merge that keeps every team's records pointing to the record that
stays; undo within its window; and "not duplicates" for pairs that only look alike."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.utils import timezone

from engagement.duplicates import LikelyPair, Named, likely_duplicates, likely_pairs
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import (
    Contact,
    DuplicateDismissal,
    Engagement,
    FollowUp,
    Organization,
    OrganizationMerge,
    Partnership,
)
from engagement.services.directory import organization_create
from engagement.services.merges import (
    duplicate_dismiss,
    organization_merge,
    organization_merge_undo,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- Finding likely pairs (pure) ---------------------------------------------------------------


def test_likely_pairs_across_spelling_legal_form_script_abbreviation_and_website():
    rows = [
        Named(
            1, "MY", "Penang Development Corporation (PDC)", "ペナン開発公社", "https://pdc.gov.my"
        ),
        Named(2, "MY", "PDC"),
        Named(3, "MY", "Penang Development Corp.", "", "http://www.pdc.gov.my/en"),
        Named(4, "MY", "Malaysian Investment Development Authority (MIDA)"),
        Named(5, "MY", "MIDA Malaysia"),
        Named(6, "MY", "Universiti Malaysia Perlis"),
        Named(7, "MY", "Universiti Malaysia Pahang"),
        Named(8, "VN", "Đà Nẵng Hi-Tech Park"),
        Named(9, "VN", "Da Nang Hitech Park"),
        Named(10, "VN", "ﾀﾞﾅﾝ･ﾊｲﾃｸﾊﾟｰｸ"),
        Named(11, "VN", "Danang High Tech Park", "だなん・はいてくぱーく"),
        Named(12, "MY", "Malaysian Investment Development Authority Sdn Bhd"),
        Named(13, "TH", "Penang Development Corp."),
        Named(14, "MY", "ペナン開発公社 株式会社"),
    ]

    pairs = likely_pairs(rows)

    assert pairs == [
        LikelyPair(1, 3, 100, ("same_name", "same_domain")),
        LikelyPair(1, 14, 100, ("same_name",)),
        LikelyPair(4, 12, 100, ("same_name",)),
        LikelyPair(8, 9, 100, ("same_name",)),
        # Half-width katakana and hiragana are the same name once folded.
        LikelyPair(10, 11, 100, ("same_name",)),
        LikelyPair(8, 11, 94, ("similar_name",)),
        LikelyPair(9, 11, 94, ("similar_name",)),
        LikelyPair(1, 2, 20, ("acronym",)),
    ]
    # Two universities whose names differ by one word, and the same name in another country,
    # are not pairs.
    ids = {(p.first, p.second) for p in pairs}
    assert (6, 7) not in ids and (3, 13) not in ids and (5, 4) not in ids


def test_likely_duplicates_of_one_new_record():
    rows = [
        Named(1, "MY", "Universiti Sains Malaysia", "マレーシア科学大学", "https://www.usm.my"),
        Named(2, "MY", "Universiti Malaya", "", "https://um.edu.my"),
        Named(3, "TH", "Universiti Sains Malaysia"),
    ]

    found = likely_duplicates(Named(0, "MY", "USM", "", "usm.my/en"), rows)

    # USM: the initials of Universiti Sains Malaysia, and its website.
    assert found == [LikelyPair(0, 1, 23, ("acronym", "same_domain"))]


# --- Merging ------------------------------------------------------------------------------------


@pytest.fixture
def world(users, team_a, team_b):
    """Universiti Sains Malaysia entered twice; both teams' work points at both records."""
    usm = factories.institution("Universiti Sains Malaysia", country="MY", website="https://usm.my")
    dup = factories.institution(
        "Universiti Sains Malaysia (USM)", country="MY", name_ja="マレーシア科学大学"
    )
    a_meeting = factories.engagement(team_a, actor=users["bd_a"], organizations=[dup])
    b_both = factories.engagement(team_b, actor=users["bd_b"], organizations=[usm, dup])
    b_deal = factories.partnership(team_b, actor=users["bd_b"], counterparts=[dup])
    b_contact = factories.contact(dup, "Dr. Lim", team=team_b)
    a_followup = factories.followup(
        team_a,
        actor=users["bd_a"],
        owner=users["bd_a"],
        due_on=dt.date(2027, 1, 15),
        subject=("organization", dup),
    )
    return {
        "usm": usm,
        "dup": dup,
        "a_meeting": a_meeting,
        "b_both": b_both,
        "b_deal": b_deal,
        "b_contact": b_contact,
        "a_followup": a_followup,
    }


def _orgs(engagement):
    return sorted(
        Engagement.objects.get(pk=engagement.pk).organizations.values_list("pk", flat=True)
    )


def test_a_merge_points_every_teams_records_at_the_survivor_and_archives_the_duplicate(
    users, world
):
    usm, dup = world["usm"], world["dup"]

    merge = organization_merge(actor=users["pm"], survivor=usm, merged=dup)

    assert _orgs(world["a_meeting"]) == [usm.pk]
    assert _orgs(world["b_both"]) == [usm.pk]
    assert list(Partnership.objects.get(pk=world["b_deal"].pk).counterparts.all()) == [usm]
    assert Contact.objects.get(pk=world["b_contact"].pk).organization == usm
    assert FollowUp.objects.get(pk=world["a_followup"].pk).organization == usm
    dup.refresh_from_db()
    assert dup.archived_at is not None and dup.merged_into == usm
    assert merge.moves["fk"] == {
        "engagement.Contact.organization": [world["b_contact"].pk],
        "engagement.FollowUp.organization": [world["a_followup"].pk],
    }
    assert merge.moves["m2m"]["engagement.Engagement.organizations"] == {
        "moved": [world["a_meeting"].pk],
        "dropped": [world["b_both"].pk],
    }
    assert merge.moves["m2m"]["engagement.Partnership.counterparts"] == {
        "moved": [world["b_deal"].pk],
        "dropped": [],
    }
    assert merge.by == users["pm"]


def test_undo_puts_back_exactly_what_moved(users, world):
    usm, dup = world["usm"], world["dup"]
    merge = organization_merge(actor=users["pm"], survivor=usm, merged=dup)
    # Work done on the survivor after the merge stays with it.
    later = factories.engagement(world["b_deal"].team, actor=users["bd_b"], organizations=[usm])

    organization_merge_undo(actor=users["pm"], merge=merge)

    assert _orgs(world["a_meeting"]) == [dup.pk]
    assert _orgs(world["b_both"]) == sorted([usm.pk, dup.pk])
    assert _orgs(later) == [usm.pk]
    assert list(Partnership.objects.get(pk=world["b_deal"].pk).counterparts.all()) == [dup]
    assert Contact.objects.get(pk=world["b_contact"].pk).organization == dup
    assert FollowUp.objects.get(pk=world["a_followup"].pk).organization == dup
    dup.refresh_from_db()
    assert (dup.archived_at, dup.merged_into) == (None, None)
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == users["pm"]
    with pytest.raises(Conflict, match="already undone"):
        organization_merge_undo(actor=users["pm"], merge=merge)


def test_undo_closes_after_24_hours(users, world):
    merge = organization_merge(actor=users["pm"], survivor=world["usm"], merged=world["dup"])

    later = timezone.now() + dt.timedelta(hours=24, seconds=1)
    with (
        time_machine.travel(later),
        pytest.raises(Conflict, match="can be undone for 24 hours"),
    ):
        organization_merge_undo(actor=users["pm"], merge=merge)

    assert Organization.objects.get(pk=world["dup"].pk).merged_into == world["usm"]


@pytest.mark.parametrize("who", ["bd_a", "bd_b", "integrator_a"])
def test_only_program_managers_merge(users, world, who):
    with pytest.raises(NotPermitted, match="Only program managers merge organizations"):
        organization_merge(actor=users[who], survivor=world["usm"], merged=world["dup"])

    assert _orgs(world["a_meeting"]) == [world["dup"].pk]
    assert not OrganizationMerge.objects.exists()


def test_refused_merges_write_nothing(users, world, disco):
    usm, dup = world["usm"], world["dup"]
    other_country = factories.institution("Universiti Sains Thailand", country="TH")

    with pytest.raises(ValidationFailed) as itself:
        organization_merge(actor=users["pm"], survivor=usm, merged=usm)
    with pytest.raises(ValidationFailed) as countries:
        organization_merge(actor=users["pm"], survivor=usm, merged=other_country)
    with pytest.raises(ValidationFailed) as kinds:
        organization_merge(actor=users["pm"], survivor=usm, merged=disco)
    with pytest.raises(Conflict) as own_company:
        organization_merge(
            actor=users["pm"], survivor=factories.company("DISCO Corp Japan"), merged=disco
        )
    organization_merge(actor=users["pm"], survivor=usm, merged=dup)
    with pytest.raises(Conflict) as twice:
        organization_merge(actor=users["pm"], survivor=usm, merged=dup)

    assert itself.value.errors == {"merge": ["An organization cannot be merged into itself."]}
    assert countries.value.errors == {
        "merge": [
            "The two organizations are in different countries; correct the country of the "
            "wrong one first."
        ]
    }
    assert kinds.value.errors == {
        "merge": ["A Japanese company and an ASEAN institution are never the same record."]
    }
    assert own_company.value.detail == (
        "DISCO is a team's own company profile: merge the other record into it instead."
    )
    assert twice.value.detail == (
        "Universiti Sains Malaysia (USM) was already merged into another organization."
    )
    assert OrganizationMerge.objects.count() == 1


def test_entering_a_merged_name_again_names_the_survivor(users, world):
    organization_merge(actor=users["pm"], survivor=world["usm"], merged=world["dup"])

    with pytest.raises(Conflict) as again:
        organization_create(
            actor=users["bd_a"],
            kind="asean_institution",
            org_type="university",
            name="Universiti Sains Malaysia (USM) Sdn Bhd",
            country="MY",
        )

    assert again.value.existing == world["usm"]


def test_match_decisions_follow_the_merge(users, world, disco):
    from matching.models import MatchDecision, MatchSuggestion

    usm, dup = world["usm"], world["dup"]
    STAMP = {"model_version": 1, "generated_at": timezone.now()}
    decided = MatchSuggestion.objects.create(
        company=disco,
        organization=dup,
        score=0.5,
        rank=2,
        model_version=1,
        generated_at=timezone.now(),
        status="rejected",
    )
    MatchDecision.objects.create(
        suggestion=decided,
        company=disco,
        organization=dup,
        decision="rejected",
        reason="other",
        score=0.5,
        model_version=1,
    )
    open_dup = MatchSuggestion.objects.create(
        company=disco, organization=dup, score=0.4, rank=3, **STAMP
    )
    open_usm = MatchSuggestion.objects.create(
        company=disco, organization=usm, score=0.6, rank=1, **STAMP
    )

    merge = organization_merge(actor=users["pm"], survivor=usm, merged=dup)

    decided.refresh_from_db()
    open_dup.refresh_from_db()
    assert decided.organization == usm
    assert MatchDecision.objects.get().organization == usm
    # An open suggestion beside the survivor's own stays with the archived duplicate.
    assert open_dup.organization == dup
    assert merge.moves["fk"]["matching.MatchSuggestion.organization"] == [decided.pk]
    assert open_usm.pk not in merge.moves["fk"]["matching.MatchSuggestion.organization"]

    organization_merge_undo(actor=users["pm"], merge=merge)

    assert MatchDecision.objects.get().organization == dup


def test_dismissed_pairs_are_recorded_once_in_order(users, world):
    usm, dup = world["usm"], world["dup"]

    duplicate_dismiss(actor=users["pm"], first=dup, second=usm)
    duplicate_dismiss(actor=users["pm"], first=usm, second=dup)

    assert list(DuplicateDismissal.objects.values_list("first_id", "second_id")) == [
        (usm.pk, dup.pk)
    ]
    with pytest.raises(NotPermitted):
        duplicate_dismiss(actor=users["bd_a"], first=usm, second=dup)


# --- The pages ----------------------------------------------------------------------------------


def test_a_program_manager_finds_merges_and_undoes_in_the_pages(client, users, world):
    usm, dup = world["usm"], world["dup"]
    client.force_login(users["pm"])

    listing = client.get("/organizations/duplicates/").content.decode()
    row = listing[listing.index(f'id="pair-{usm.pk}-{dup.pk}">') :]
    row = _text(row[row.index(">") + 1 : row.index("</tr>")])
    preview = client.get(f"/organizations/merge/?keep={usm.pk}&merge={dup.pk}")
    page = _text(preview.content.decode())
    merged = client.post("/organizations/merge/", {"keep": usm.pk, "merge": dup.pk}, follow=True)
    after = merged.content.decode()
    old_page = _text(client.get(f"/organizations/{dup.pk}/").content.decode())
    merge = OrganizationMerge.objects.get()
    undone = client.post(f"/organizations/merges/{merge.pk}/undo/", follow=True)

    assert "1 likely pair" in _text(listing)
    assert row == (
        "Universiti Sains Malaysia https://usm.my Universiti Sains Malaysia (USM) MY "
        "same name once spelling and legal form are set aside 100 % Merge… Not duplicates"
    )
    assert preview.status_code == 200
    assert (
        "What moves Contacts: 1 Engagements: 2 Follow-ups: 1 Partnerships: 1 Timeline events: 4 "
    ) in page
    assert merged.redirect_chain == [(f"/organizations/{usm.pk}/", 302)]
    assert (
        "Universiti Sains Malaysia (USM) was merged into Universiti Sains Malaysia. "
        "You can undo this for 24 hours."
    ) in _text(after)
    assert f'id="undo-merge-{merge.pk}"' in after
    assert "Merged on" in old_page and "into Universiti Sains Malaysia" in old_page
    assert undone.redirect_chain == [(f"/organizations/{dup.pk}/", 302)]
    assert "The merge was undone" in _text(undone.content.decode())
    assert _orgs(world["a_meeting"]) == [dup.pk]


def test_not_duplicates_takes_the_pair_off_the_list(client, users, world):
    usm, dup = world["usm"], world["dup"]
    client.force_login(users["pm"])

    client.post("/organizations/duplicates/not-duplicates/", {"keep": usm.pk, "merge": dup.pk})
    listing = client.get("/organizations/duplicates/").content.decode()

    assert 'id="no-duplicates"' in listing
    assert Organization.objects.get(pk=dup.pk).archived_at is None


@pytest.mark.parametrize("who", ["bd_a", "integrator_a"])
def test_teams_get_a_clear_refusal_from_the_duplicates_pages(client, users, world, who):
    client.force_login(users[who])

    listing = client.get("/organizations/duplicates/")
    merge = client.post(
        "/organizations/merge/", {"keep": world["usm"].pk, "merge": world["dup"].pk}
    )

    assert listing.status_code == merge.status_code == 403
    assert "Only program managers review duplicates and merge organizations." in _text(
        listing.content.decode()
    )
    assert not OrganizationMerge.objects.exists()


def test_a_merged_organization_is_no_ones_counterpart_in_matching(users, world, disco):
    from matching.services.loading import load_reference, organization_profiles

    organization_merge(actor=users["pm"], survivor=world["usm"], merged=world["dup"])

    profiles = {p.key: p for p in organization_profiles(load_reference())}

    assert profiles[world["dup"].pk].accepting is False
    assert profiles[world["usm"].pk].accepting is True


def test_the_directory_links_program_managers_to_the_duplicates(client, users, world):
    client.force_login(users["pm"])
    pm_page = client.get("/organizations/").content.decode()
    client.force_login(users["bd_a"])
    bd_page = client.get("/organizations/").content.decode()

    assert 'id="duplicates-link" href="/organizations/duplicates/"' in pm_page
    assert 'id="duplicates-link"' not in bd_page


# --- The API ------------------------------------------------------------------------------------


def test_an_integration_lists_likely_duplicates_merges_and_undoes(api, users, world):
    usm, dup = world["usm"], world["dup"]
    api.force_authenticate(users["pm"])

    pairs = api.get("/api/v1/likely-duplicates/")
    created = api.post(
        "/api/v1/organization-merges/", {"keep": usm.pk, "merge": dup.pk}, format="json"
    )
    merge_id = created.json()["id"]
    listed = api.get("/api/v1/organization-merges/")
    undone = api.post(f"/api/v1/organization-merges/{merge_id}/undo/")

    assert pairs.status_code == 200
    assert pairs.json() == [
        {
            "first": {
                "id": usm.pk,
                "name": "Universiti Sains Malaysia",
                "name_ja": "",
                "country": "MY",
                "website": "https://usm.my",
            },
            "second": {
                "id": dup.pk,
                "name": "Universiti Sains Malaysia (USM)",
                "name_ja": "マレーシア科学大学",
                "country": "MY",
                "website": "",
            },
            "similarity": 100,
            "reasons": ["same_name"],
        }
    ]
    assert created.status_code == 201
    body = created.json()
    assert (body["survivor"], body["merged"], body["by"], body["moved_count"]) == (
        usm.pk,
        dup.pk,
        "pm",
        # A contact, a follow-up, two engagements (one moved, one already linked to both),
        # a partnership and four timeline events.
        9,
    )
    assert body["undone_at"] is None and body["undone_by"] is None
    assert [m["id"] for m in listed.json()["results"]] == [merge_id]
    assert undone.status_code == 200
    assert undone.json()["undone_by"] == "pm"
    assert _orgs(world["a_meeting"]) == [dup.pk]


def test_the_api_refuses_merges_with_the_status_that_says_why(api, users, world):
    usm, dup = world["usm"], world["dup"]
    merges_url = "/api/v1/organization-merges/"
    api.force_authenticate(users["bd_a"])
    team_list = api.get("/api/v1/likely-duplicates/")
    team_merge = api.post(merges_url, {"keep": usm.pk, "merge": dup.pk}, format="json")
    team_merges = api.get(merges_url)
    api.force_authenticate(users["pm"])
    malformed = api.post(merges_url, {"keep": "usm", "merge": dup.pk}, format="json")
    missing = api.post(merges_url, {"keep": usm.pk, "merge": 999999}, format="json")
    itself = api.post(merges_url, {"keep": usm.pk, "merge": usm.pk}, format="json")
    first = api.post(merges_url, {"keep": usm.pk, "merge": dup.pk}, format="json")
    again = api.post(merges_url, {"keep": usm.pk, "merge": dup.pk}, format="json")

    assert team_list.status_code == team_merge.status_code == 403
    assert team_merges.json()["results"] == []
    assert malformed.status_code == 400
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"merge": ["No organization with id 999999."]}
    assert itself.status_code == 422
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "Universiti Sains Malaysia (USM) was already merged into another organization."
    )
    assert OrganizationMerge.objects.count() == 1


# --- Warnings when one is created ---------------------------------------------------------------


def test_the_api_names_likely_duplicates_of_a_new_organization(api, users, world):
    api.force_authenticate(users["bd_a"])

    likely = api.post(
        "/api/v1/organizations/",
        {
            "kind": "asean_institution",
            "org_type": "university",
            "name": "Universiti Sains Malaysiaa",
            "country": "MY",
        },
        format="json",
    )
    unlike = api.post(
        "/api/v1/organizations/",
        {
            "kind": "asean_institution",
            "org_type": "university",
            "name": "Universiti Teknologi MARA",
            "country": "MY",
        },
        format="json",
    )

    assert likely.status_code == unlike.status_code == 201
    assert likely["Likely-Duplicates"] == f"{world['usm'].pk}, {world['dup'].pk}"
    assert "Likely-Duplicates" not in unlike


def test_the_new_organization_page_warns_of_a_likely_duplicate(client, users, world):
    client.force_login(users["bd_a"])

    page = client.post(
        "/organizations/new/",
        {
            "kind": "asean_institution",
            "org_type": "university",
            "name": "USM",
            "country": "MY",
            "website": "https://www.usm.my/",
        },
        follow=True,
    ).content.decode()

    assert (
        f'This may be the same organization as <a href="/organizations/{world["usm"].pk}/">'
        "Universiti Sains Malaysia</a> (one name is the other&#x27;s abbreviation; same website)"
    ) in page
