from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagement.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_revoked_token_stops_working_at_once(api, users):
    key = factories.token(users["integrator_a"], name="erp")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/organizations/").status_code == 200
    out = StringIO()

    call_command("revoke_api_token", "integrator_a", name="erp", stdout=out)

    assert out.getvalue().startswith("Revoked token 'erp' (")
    response = api.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid, expired or revoked token."
    assert ApiToken.objects.get().revoked_at is not None


def test_revoking_a_token_that_does_not_exist_says_so(users):
    with pytest.raises(CommandError) as refused:
        call_command("revoke_api_token", "integrator_a", name="nope")

    assert str(refused.value) == "integrator_a has no live token named 'nope'."


def test_the_openapi_schema_is_valid_with_no_warnings():
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    assert out.getvalue().startswith("openapi: 3.0.3")
