"""Fixtures shared by the partnership page's tests (test_web_crm, test_web_pilots); a module
that defines its own `usm` or `deal` keeps it."""

import pytest

from tests import factories


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY", needs=["EQP.DICING"])


@pytest.fixture
def deal(users, team_a, usm):
    return factories.partnership(
        team_a,
        actor=users["bd_a"],
        counterparts=[usm],
        title="Dicing training line",
        partnership_type="training_programme",
        initiatives=["T6-01"],
        priority_country="MY",
        expected_value="40000000",
        currency="JPY",
    )


@pytest.fixture
def client_a(client, users):
    client.force_login(users["bd_a"])
    return client
