import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def bd_client(client, users):
    client.force_login(users["bd_a"])
    return client


def _listed(response) -> list[str]:
    return [org.name for org in response.context["page"].object_list]


# --- Signing in -----------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_directory_needs_a_sign_in_too(client):
    response = client.get("/organizations/?q=DISCO")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/organizations/%3Fq%3DDISCO"


def test_signing_in_with_the_password_opens_the_dashboard(client, users):
    response = client.post("/accounts/login/", {"username": "bd_a", "password": factories.PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_does_not_sign_in(client, users):
    response = client.post("/accounts/login/", {"username": "bd_a", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors["__all__"] == [
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    ]
    assert client.get("/").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, users):
    User.objects.filter(username="bd_a").update(is_active=False)

    response = client.post("/accounts/login/", {"username": "bd_a", "password": factories.PASSWORD})

    assert response.status_code == 200
    assert client.get("/").status_code == 302


# --- Dashboard ------------------------------------------------------------------------------------


def test_the_dashboard_opens_for_a_team_member_and_names_the_team(bd_client):
    response = bd_client.get("/")

    assert response.status_code == 200
    assert "DISCO BD, working for DISCO." in response.content.decode()


def test_the_dashboard_opens_for_a_program_manager(client, users):
    client.force_login(users["pm"])

    response = client.get("/")

    assert response.status_code == 200
    assert "You see every team's records." in response.content.decode()


# --- Directory ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ディスコ", "ＤＩＳＣＯ", "disco corporation"])
def test_searching_the_directory_finds_disco_only(bd_client, disco, tel, text):
    factories.institution("Universiti Sains Malaysia", capabilities=["EQP.DICING"])

    response = bd_client.get("/organizations/", {"q": text})

    assert response.status_code == 200
    assert _listed(response) == ["DISCO"]
    assert response.context["page"].paginator.count == 1


@pytest.fixture
def places(disco, tel):
    """Names the folded search has to see through: accents, a word inside a longer one, kana."""
    return [
        factories.institution("Đà Nẵng Semiconductor Centre", country="VN"),
        factories.institution("Da Nang Hi-Tech Park", country="VN"),
        factories.institution("InvestPenang", name_ja="インベスト・ペナン", country="MY"),
        factories.institution("Penang Skills Development Centre", country="MY"),
        factories.institution("Universiti Sains Malaysia", country="MY"),
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ディスコ", ["DISCO"]),
        ("ﾃﾞｨｽｺ", ["DISCO"]),
        ("でぃすこ", ["DISCO"]),
        ("disco", ["DISCO"]),
        ("ＤＩＳＣＯ", ["DISCO"]),
        # Anywhere in a name, as the directory always matched: Penang holds "nang" too.
        (
            "Nang",
            [
                "Da Nang Hi-Tech Park",
                "InvestPenang",
                "Penang Skills Development Centre",
                "Đà Nẵng Semiconductor Centre",
            ],
        ),
        (
            "Nẵng",
            [
                "Da Nang Hi-Tech Park",
                "InvestPenang",
                "Penang Skills Development Centre",
                "Đà Nẵng Semiconductor Centre",
            ],
        ),
        ("đà nẵng", ["Da Nang Hi-Tech Park", "Đà Nẵng Semiconductor Centre"]),
        ("penang", ["InvestPenang", "Penang Skills Development Centre"]),
        ("PENANG centre", ["Penang Skills Development Centre"]),
        ("ペナン", ["InvestPenang"]),
        ("ぺなん", ["InvestPenang"]),
        ("vestpen", ["InvestPenang"]),
        ("hi-tech", ["Da Nang Hi-Tech Park"]),
        ("centre nang", ["Penang Skills Development Centre", "Đà Nẵng Semiconductor Centre"]),
        ("nowhere", []),
    ],
)
def test_the_directory_search_folds_like_the_global_search_and_matches_inside_words(
    bd_client, places, text, found
):
    response = bd_client.get("/organizations/", {"q": text})

    assert response.status_code == 200
    assert _listed(response) == found
    assert response.context["page"].paginator.count == len(found)


def test_the_directory_search_keeps_the_other_filters(bd_client, places):
    response = bd_client.get("/organizations/", {"q": "centre", "country": "VN"})

    assert _listed(response) == ["Đà Nẵng Semiconductor Centre"]


def test_the_directory_search_reads_the_stored_search_text(bd_client, places):
    with CaptureQueriesContext(connection) as ctx:
        bd_client.get("/organizations/", {"q": "Nẵng"})

    listing = [q["sql"] for q in ctx.captured_queries if "engagement_organization" in q["sql"]]
    assert any('"search_text"' in sql and "%nang%" in sql.lower() for sql in listing), listing


def test_the_directory_filters_by_kind_and_country(bd_client, disco, tel):
    factories.institution("Universiti Sains Malaysia", country="MY")
    factories.institution("Hanoi University of Science and Technology", country="VN")

    response = bd_client.get("/organizations/", {"kind": "asean_institution", "country": "vn"})

    assert _listed(response) == ["Hanoi University of Science and Technology"]


def test_the_directory_lists_by_name_in_pages_of_25(bd_client, disco, tel):
    for i in range(30):
        factories.institution(f"Institute {i:02d}")

    first = bd_client.get("/organizations/")
    second = bd_client.get("/organizations/", {"page": 2})

    assert first.context["page"].paginator.count == 32
    assert '<p class="count">32 organizations</p>' in first.content.decode()
    assert _listed(first)[:3] == ["DISCO", "Institute 00", "Institute 01"]
    assert len(_listed(first)) == 25
    assert _listed(second) == [f"Institute {i:02d}" for i in range(24, 30)] + ["Tokyo Electron"]


def test_an_organization_page_shows_its_profile_and_contacts(bd_client, disco):
    factories.contact(disco, "Taro Yamada", email="taro@disco.example")

    response = bd_client.get(f"/organizations/{disco.pk}/")

    assert response.status_code == 200
    assert response.context["org"] == disco
    assert [c.name for c in response.context["contacts"]] == ["Taro Yamada"]
    assert response.context["can_change"] is True
    html = response.content.decode()
    assert "<h1>DISCO</h1>" in html
    assert "taro@disco.example" in html


def test_an_unknown_organization_is_404(bd_client, disco):
    response = bd_client.get("/organizations/999999/")

    assert response.status_code == 404


def _directory_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/organizations/")
    assert response.status_code == 200
    return len(captured)


def test_the_directory_page_runs_the_same_queries_for_10_or_60_organizations(bd_client, disco, tel):
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            factories.institution(
                f"Institute {i:02d}",
                capabilities=["TAL.UNIVERSITY", "RND.JOINT"],
                needs=["EQP.DICING"],
                thrusts=["T6"],
            )

    add(8, 0)  # with DISCO and Tokyo Electron: 10
    bd_client.get("/organizations/")
    ten = _directory_queries(bd_client)
    add(50, 8)

    sixty = _directory_queries(bd_client)

    assert bd_client.get("/organizations/").context["page"].paginator.count == 60
    assert ten == sixty


# --- Preferences ----------------------------------------------------------------------------------


def test_choosing_japanese_is_stored_and_the_next_page_is_japanese(bd_client, users):
    response = bd_client.post("/preferences/", {"language": "ja", "next": "/organizations/"})

    assert response.status_code == 302
    assert response["Location"] == "/organizations/"
    assert User.objects.get(username="bd_a").language == "ja"
    page = bd_client.get("/organizations/")
    assert page["Content-Language"] == "ja"
    assert '<html lang="ja">' in page.content.decode()


def test_english_is_the_default_language(bd_client):
    page = bd_client.get("/organizations/")

    assert page["Content-Language"] == "en"


def test_an_unknown_language_is_refused_and_nothing_changes(bd_client, users):
    response = bd_client.post("/preferences/", {"language": "fr"}, follow=True)

    assert User.objects.get(username="bd_a").language == "en"
    assert [str(m) for m in response.context["messages"]] == ["Use en or ja."]


def test_preferences_do_not_redirect_to_another_site(bd_client):
    response = bd_client.post(
        "/preferences/", {"time_zone": "Asia/Kuala_Lumpur", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"
    assert User.objects.get(username="bd_a").time_zone == "Asia/Kuala_Lumpur"
