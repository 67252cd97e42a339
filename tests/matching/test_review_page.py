"""The review queue on the demo data: eight suggestions a page, each with its explanation, a line
of the score's components and its forms, in under 60 KB in English and in Japanese; the full
component table is one click away, on the one-at-a-time view of the same suggestion."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from engagement.models import User
from matching.views import PAGE_SIZE

pytestmark = pytest.mark.django_db
LIMIT = 60 * 1024


@pytest.fixture
def demo():
    for name in ("load_demo", "recompute_matches"):
        call_command(name, stdout=StringIO(), stderr=StringIO(), verbosity=0)


@pytest.mark.parametrize("username", ["disco.bd", "disco.bd.ja", "pm"])
def test_a_review_page_holds_eight_suggestions_in_under_60_kb(client, demo, username):
    client.force_login(User.objects.get(username=username))
    response = client.get("/matches/review/")
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count("data-suggestion ") == PAGE_SIZE == 8
    assert len(response.content) < LIMIT
    assert 'class="components-line"' in html
    assert 'class="components"' not in html


def test_details_open_the_same_suggestion_with_its_component_table(client, demo):
    client.force_login(User.objects.get(username="disco.bd"))
    second_page = client.get("/matches/review/?page=2").content.decode()
    first_id = re.search(r'id="s-(\d+)"', second_page).group(1)
    details = re.search(r'<a href="\?([^"]*view=one[^"]*)">Details</a>', second_page).group(1)

    one = client.get("/matches/review/?" + details.replace("&amp;", "&")).content.decode()

    assert details.endswith(f"page={PAGE_SIZE + 1}")
    assert re.findall(r'id="s-(\d+)"', one) == [first_id]
    assert 'class="components"' in one
