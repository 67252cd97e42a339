import os

from celery import Celery
from kombu import transport as kombu_transport
from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy import create_engine

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Transport options that kombu's SQL transport keeps for itself. Its Channel hands every other
# option to SQLAlchemy's create_engine(), including the virtual transport's own
# "polling_interval", which create_engine() refuses with a TypeError (seen with kombu 5.7): the
# worker of `make run` crashed at start. Our channel passes SQLAlchemy only what is its own.
_KOMBU_SQL_OPTIONS = {
    "polling_interval",
    "queue_tablename",
    "message_tablename",
    "callback",
    "errback",
    "max_retries",
    "interval_start",
    "interval_step",
    "interval_max",
    "retry_errors",
}


class EmbeddedSQLChannel(kombu_sqlalchemy.Channel):
    def _engine_from_config(self):
        conninfo = self.connection.client
        options = {
            key: value
            for key, value in conninfo.transport_options.items()
            if key not in _KOMBU_SQL_OPTIONS
        }
        return create_engine(conninfo.hostname, **options)


class EmbeddedSQLTransport(kombu_sqlalchemy.Transport):
    """kombu's SQL transport, with transport options sorted between kombu and SQLAlchemy, and
    short waits so that a worker stops promptly."""

    Channel = EmbeddedSQLChannel

    # A worker on a polling transport waits for messages up to 2 s at a time, and once more
    # after a shutdown request (celery.worker.loops.synloop): 4-5 s to stop, and honcho kills
    # whatever still runs 5 s after Ctrl-C. Bounded waits let it stop within about a second.
    # An unbounded wait (timeout=None) stays unbounded.
    max_drain_wait = 0.5

    def drain_events(self, connection, timeout=None):
        if timeout is not None:
            timeout = min(timeout, self.max_drain_wait)
        return super().drain_events(connection, timeout=timeout)


# The broker URL keeps kombu's own scheme (sqla+sqlite:///...): this module is imported before
# any connection is made (config/__init__.py), so every process resolves the alias to the class
# above. Only the embedded broker is affected; Redis is untouched.
kombu_transport.TRANSPORT_ALIASES["sqla"] = "config.celery:EmbeddedSQLTransport"
kombu_transport.TRANSPORT_ALIASES["sqlalchemy"] = "config.celery:EmbeddedSQLTransport"

app = Celery("afiss")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.celery.broker_roundtrip", bind=True)
def broker_roundtrip(self) -> str:
    """Answer with the worker's name. Writes nothing itself: its result, stored by the result
    backend, proves that a worker took the message from the broker and can reach the database.
    Sent by `python manage.py check_worker`."""
    return self.request.hostname
