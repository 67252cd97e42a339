"""Projects: loaded from the reference data, read by everyone signed in, written by program
managers and administrators; a phase change tells each follower once."""

from io import StringIO

import pytest
from django.core.management import call_command

from engagement.errors import StaleWrite, ValidationFailed
from engagement.models import Notification, OpportunityFollow, Project
from engagement.services.projects import project_phase_change
from tests import factories

pytestmark = pytest.mark.django_db


def _auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
    return api


NEW_PROJECT = {
    "code": "VN-TEST-OSAT",
    "name_en": "Test OSAT plant",
    "name_ja": "テストOSAT工場",
    "owner_name": "Test Holdings",
    "country": "VN",
    "site": "Bac Ninh",
    "kind": "back_end_atp",
    "capabilities": ["EQP.DICING", "MAT.PKG"],
    "phase": "announced",
    "phase_as_of": "2025-06",
    "announced_year": 2025,
    "sources": "Example News, Test OSAT plant announced, 2025",
}


# --- Loading ----------------------------------------------------------------------------------


def test_the_reference_data_holds_the_32_projects_and_a_second_load_changes_none():
    before = list(Project.objects.order_by("pk").values())
    out = StringIO()

    call_command("load_reference", stdout=out, stderr=StringIO(), verbosity=1)

    assert Project.objects.count() == 32
    assert "Projects: 0 created, 0 updated, 32 unchanged" in out.getvalue().splitlines()
    assert list(Project.objects.order_by("pk").values()) == before


def test_a_loaded_project_carries_its_phase_month_years_and_capability_codes():
    project = Project.objects.get(code="MY-INFINEON-KULIM3")

    assert project.owner_name == "Infineon Technologies"
    assert project.owner is None
    assert project.country.iso2 == "MY"
    assert project.kind == "front_end_fab"
    assert project.phase == "ramp"
    assert project.phase_as_of.isoformat() == "2024-08-01"
    assert (project.announced_year, project.production_start_year) == (2022, 2024)
    assert "EQP.CMP" in project.capabilities.values_list("code", flat=True)
    assert project.capabilities.count() == 10


# --- API --------------------------------------------------------------------------------------


def test_everyone_signed_in_lists_projects_filtered_by_country_kind_and_phase(api, users):
    _auth(api, users["bd_b"])

    response = api.get(
        "/api/v1/projects/", {"country": "MY", "kind": "back_end_atp", "phase": "construction"}
    )

    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == list(
        Project.objects.filter(
            country__iso2="MY", kind="back_end_atp", phase="construction"
        ).values_list("code", flat=True)
    )
    assert "MY-INTEL-PENANG-APF" in codes


def test_a_project_is_read_by_code_with_its_etag(api, users):
    _auth(api, users["bd_a"])

    response = api.get("/api/v1/projects/MY-INFINEON-KULIM3/")

    assert response.status_code == 200
    body = response.json()
    assert body["country"] == "MY"
    assert body["phase_as_of"] == "2024-08-01"
    project = Project.objects.get(code="MY-INFINEON-KULIM3")
    assert response["ETag"] == f'"project-{project.pk}-v{project.version}"'


def test_projects_are_filtered_by_capability_and_searched_by_owner(api, users):
    _auth(api, users["bd_a"])

    by_capability = api.get("/api/v1/projects/", {"capability": "EQP.CMP", "search": "Infineon"})

    assert [r["code"] for r in by_capability.json()["results"]] == ["MY-INFINEON-KULIM3"]


def test_a_bd_member_may_not_create_change_or_move_a_project(api, users):
    _auth(api, users["bd_a"])
    before = list(Project.objects.order_by("pk").values())

    created = api.post("/api/v1/projects/", NEW_PROJECT, format="json")
    changed = api.patch("/api/v1/projects/MY-INFINEON-KULIM3/", {"note": "changed"}, format="json")
    moved = api.post(
        "/api/v1/projects/MY-INFINEON-KULIM3/phase/",
        {"phase": "production", "phase_as_of": "2025-01"},
        format="json",
    )

    assert (created.status_code, changed.status_code, moved.status_code) == (403, 403, 403)
    assert list(Project.objects.order_by("pk").values()) == before


def test_a_program_manager_creates_a_project_with_its_history(api, users):
    _auth(api, users["pm"])

    response = api.post("/api/v1/projects/", NEW_PROJECT, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["phase_as_of"] == "2025-06-01"
    assert sorted(body["capabilities"]) == ["EQP.DICING", "MAT.PKG"]
    history = api.get("/api/v1/projects/VN-TEST-OSAT/history/").json()
    # Created, then its capabilities linked: both by the program manager.
    assert [(h["type"], h["user"]) for h in history] == [("changed", "pm"), ("created", "pm")]


def test_a_project_code_is_taken_once(api, users):
    _auth(api, users["pm"])

    response = api.post(
        "/api/v1/projects/", {**NEW_PROJECT, "code": "MY-INFINEON-KULIM3"}, format="json"
    )

    assert response.status_code == 409
    assert Project.objects.filter(code="MY-INFINEON-KULIM3").count() == 1


def test_a_change_from_a_stale_copy_is_refused_with_412(api, users):
    _auth(api, users["pm"])
    project = Project.objects.get(code="MY-INFINEON-KULIM3")
    stale = f'"project-{project.pk}-v{project.version + 1}"'

    response = api.patch(
        f"/api/v1/projects/{project.code}/", {"note": "x"}, format="json", HTTP_IF_MATCH=stale
    )

    assert response.status_code == 412
    assert Project.objects.get(pk=project.pk).note == project.note
    assert Project.objects.get(pk=project.pk).version == project.version


# --- Phase changes and followers ----------------------------------------------------------------


def test_a_phase_change_tells_each_follower_once_even_when_sent_twice(api, users):
    project = Project.objects.get(code="MY-INTEL-PENANG-APF")
    for name in ("bd_a", "bd_b"):
        _auth(api, users[name]).post(f"/api/v1/projects/{project.code}/follow/")
    _auth(api, users["pm"])
    change = {"phase": "tool_in", "phase_as_of": "2025-12", "source": "Example, tool-in, 2025"}

    first = api.post(f"/api/v1/projects/{project.code}/phase/", change, format="json")
    second = api.post(f"/api/v1/projects/{project.code}/phase/", change, format="json")

    assert first.status_code == 200
    assert first.json()["phase"] == "tool_in"
    assert second.status_code == 422
    notes = Notification.objects.filter(kind="project_phase").order_by("user__username")
    assert [(n.user.username, n.dedupe_key) for n in notes] == [
        ("bd_a", f"project-phase:{project.pk}:tool_in:{users['bd_a'].pk}"),
        ("bd_b", f"project-phase:{project.pk}:tool_in:{users['bd_b'].pk}"),
    ]
    assert notes[0].url == "/projects/MY-INTEL-PENANG-APF/"
    history = api.get(f"/api/v1/projects/{project.code}/history/").json()
    assert {"field": "phase", "old": "construction", "new": "tool_in"} in history[0]["changes"]


def test_moving_back_and_forth_tells_a_follower_of_each_phase_once(users):
    project = Project.objects.get(code="MY-INTEL-PENANG-APF")
    OpportunityFollow.objects.create(user=users["bd_a"], project=project)

    for phase in ("tool_in", "construction", "tool_in"):
        project = project_phase_change(
            actor=users["pm"], project=project, phase=phase, phase_as_of="2025-12"
        )

    keys = sorted(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == [
        f"project-phase:{project.pk}:construction:{users['bd_a'].pk}",
        f"project-phase:{project.pk}:tool_in:{users['bd_a'].pk}",
    ]


def test_a_phase_change_from_a_stale_copy_is_refused_and_tells_no_one(users):
    project = Project.objects.get(code="MY-INTEL-PENANG-APF")
    OpportunityFollow.objects.create(user=users["bd_a"], project=project)
    stale = Project.objects.get(pk=project.pk)
    project_phase_change(actor=users["pm"], project=project, phase="tool_in", phase_as_of="2025-12")

    with pytest.raises(StaleWrite):
        project_phase_change(actor=users["pm"], project=stale, phase="ramp", phase_as_of="2025-12")

    assert Project.objects.get(pk=project.pk).phase == "tool_in"
    assert Notification.objects.count() == 1


def test_a_phase_as_of_a_month_to_come_is_refused(users):
    project = Project.objects.get(code="MY-INTEL-PENANG-APF")

    with pytest.raises(ValidationFailed) as refused:
        project_phase_change(
            actor=users["pm"], project=project, phase="tool_in", phase_as_of="2999-01"
        )

    assert list(refused.value.errors) == ["phase_as_of"]
    assert Project.objects.get(pk=project.pk).phase == "construction"


def test_following_twice_through_the_api_keeps_one_follow(api, users):
    _auth(api, users["bd_a"])

    first = api.post("/api/v1/projects/MY-INFINEON-KULIM3/follow/")
    second = api.post("/api/v1/projects/MY-INFINEON-KULIM3/follow/")
    stopped = api.delete("/api/v1/projects/MY-INFINEON-KULIM3/follow/")

    assert (first.json(), second.json(), stopped.json()) == (
        {"following": True},
        {"following": True},
        {"following": False},
    )
    assert OpportunityFollow.objects.count() == 0


# --- Pages ------------------------------------------------------------------------------------


def test_the_project_pages_render_in_english(client, users):
    client.force_login(users["bd_a"])

    listing = client.get("/projects/", {"country": "MY", "phase": "ramp"})
    detail = client.get("/projects/MY-INFINEON-KULIM3/")

    assert listing.status_code == 200
    assert "Infineon Kulim 3 (200 mm SiC and GaN power fab)" in listing.text
    assert "as of 2024-08" in listing.text
    assert "MY-INTEL-PENANG-APF" not in listing.text
    assert detail.status_code == 200
    assert "CMP equipment (chemical mechanical planarization)" in detail.text
    assert "eeNews Europe" in detail.text
    assert "Follow (phase changes)" in detail.text


@pytest.mark.usefixtures("fresh_catalogue", "english_afterwards")
def test_the_project_pages_render_in_japanese(client, team_a):
    reader = factories.user("bd_ja", role="bd_member", team=team_a, language="ja")
    client.force_login(reader)

    listing = client.get("/projects/")
    detail = client.get("/projects/MY-INFINEON-KULIM3/")

    assert "インフィニオン クリム第3工場（200mm SiC・GaNパワー半導体）" in listing.text
    assert "量産立ち上げ" in listing.text
    assert "2024-08時点" in listing.text
    assert "CMP装置（化学機械研磨）" in detail.text
    assert "フォローする（フェーズの変化を通知）" in detail.text


def test_following_from_the_page_and_unfollowing(client, users):
    client.force_login(users["bd_a"])

    client.post("/projects/MY-INFINEON-KULIM3/follow/")
    followed = OpportunityFollow.objects.filter(user=users["bd_a"]).count()
    client.post("/projects/MY-INFINEON-KULIM3/follow/")

    assert followed == 1
    assert OpportunityFollow.objects.filter(user=users["bd_a"]).count() == 0
