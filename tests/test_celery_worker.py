"""A real worker process answers through the broker of this run (the embedded SQL broker by
default, Redis in CI's service run) and stores its answer in the test database."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_results.models import TaskResult
from kombu import Queue

from config.celery import app, broker_roundtrip

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_consumes_from_the_broker_of_this_run(celery_worker_process):
    log = celery_worker_process.log()
    with app.connection_for_write() as conn:
        broker = conn.as_uri()

    assert f"Connected to {broker}" in log
    if settings.EMBEDDED_BROKER:
        # Its own file: a `make run` worker on var/celery-broker.sqlite3 never sees test tasks.
        assert broker.startswith("sqla+sqlite:///")
        assert broker.endswith("/test-celery-broker.sqlite3")
    else:
        assert broker.startswith("redis://")


def test_the_roundtrip_task_is_answered_by_the_worker_and_stored_in_the_database(
    celery_worker_process,
):
    result = broker_roundtrip.delay()

    assert result.get(timeout=30) == celery_worker_process.hostname
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "config.celery.broker_roundtrip"
    assert stored.worker == celery_worker_process.hostname


def test_check_worker_names_the_worker_that_answered(celery_worker_process):
    out = StringIO()

    call_command("check_worker", "--timeout", "30", stdout=out)

    hostname = re.escape(celery_worker_process.hostname)
    assert re.fullmatch(rf"worker {hostname} answered in \d+ ms\n", out.getvalue())
    # The answer was read, so its row is not kept.
    assert not TaskResult.objects.filter(task_name="config.celery.broker_roundtrip").exists()


def test_check_worker_fails_clearly_when_no_worker_consumes_the_queue(celery_worker_process):
    queue = "check-worker-test-nobody-consumes-this"
    try:
        with pytest.raises(CommandError, match=r"No worker answered within 1 s on queue"):
            call_command("check_worker", "--timeout", "1", "--queue", queue)
    finally:
        with app.connection_for_write() as conn:
            Queue(queue).bind(conn.default_channel).purge()
