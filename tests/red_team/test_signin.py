"""Attacks on signing in. Each test is named after the finding it closes."""

import pytest
from django.contrib.auth import SESSION_KEY

from tests import factories

pytestmark = pytest.mark.django_db


def test_finding_50_wrong_passwords_in_a_row_are_all_answered(client, users):
    """The sign-in page used to check every guess it was sent, as fast as they came. Now the
    10th failure locks the username: later guesses, and then the right password, are refused
    without being checked."""
    answers = []
    for i in range(50):
        response = client.post("/accounts/login/", {"username": "bd_a", "password": f"guess-{i}"})
        answers.append(response.status_code)

    response = client.post("/accounts/login/", {"username": "bd_a", "password": factories.PASSWORD})

    assert answers == [200] * 9 + [429] * 41
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
