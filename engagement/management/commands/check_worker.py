"""Is a Celery worker consuming the queue? Sends a real task through the configured broker and
waits for its result in the result backend (the database)."""

import time

from celery.exceptions import TimeoutError as ResultTimeout
from django.core.management.base import BaseCommand, CommandError

from config.celery import app, broker_roundtrip


class Command(BaseCommand):
    help = (
        "Send a round-trip task through the broker and wait for a worker's answer in the "
        "result backend. Prints which worker answered and how fast; exits non-zero otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=10.0,
            help="Seconds to wait for a worker's answer (default: 10).",
        )
        parser.add_argument(
            "--queue",
            default=app.conf.task_default_queue,
            help="Queue to send the task to (default: %(default)s).",
        )

    def handle(self, *args, timeout: float, queue: str, **options):
        if timeout <= 0:
            raise CommandError("--timeout must be a positive number of seconds.")
        with app.connection_for_write() as conn:
            broker = conn.as_uri()  # the password, if any, masked
        started = time.monotonic()
        try:
            # Expires with the wait: a worker that starts later drops it instead of running it.
            result = broker_roundtrip.apply_async(queue=queue, expires=timeout)
        except Exception as exc:
            raise CommandError(
                f"Could not send the task to the broker {broker}: {type(exc).__name__}: {exc}"
            ) from None
        try:
            answer = result.get(timeout=timeout, interval=0.1, propagate=False)
        except ResultTimeout:
            raise CommandError(
                f"No worker answered within {timeout:g} s on queue {queue!r} of the broker "
                f"{broker}. Is a worker running (`celery -A config worker`, started by "
                "`make run`) with the same broker and database settings?"
            ) from None
        elapsed_ms = round((time.monotonic() - started) * 1000)
        if not result.successful():
            raise CommandError(f"The task reached a worker but ended {result.state}: {answer!r}")
        result.forget()  # the answer was read: do not keep its row in the result table
        self.stdout.write(f"worker {answer} answered in {elapsed_ms} ms")
