"""Guards that CI's service run really ran against the services."""

import os

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.skipif(
    os.environ.get("REQUIRE_SERVICES") != "1",
    reason="only CI's PostgreSQL + Redis run sets REQUIRE_SERVICES=1",
)
def test_the_service_run_uses_postgresql_and_redis(db):
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_the_embedded_default_needs_no_server():
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set: this run is the service run")
    assert settings.IS_SQLITE
    assert settings.CELERY_BROKER_URL.startswith("sqla+sqlite:///")
    assert settings.EMBEDDED_BROKER
