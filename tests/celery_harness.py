"""A real Celery worker for tests: a subprocess on the broker and the test database that this
test process uses. No eager mode: a task a test sends goes through the broker, runs in another
process and stores its result in the database, as in production.

The `celery_worker_process` fixture (tests/conftest.py) starts one worker per test session. Tests
that use it need `@pytest.mark.django_db(transaction=True)`, so that what they write is
committed and visible to the worker, and `@pytest.mark.celery_worker`.

Which broker: settings.CELERY_BROKER_URL of this process, handed to the worker as it is. With
nothing set that is var/test-celery-broker.sqlite3 (config/settings.py picks a file of its own
under pytest), so a `make run` worker never takes a test's messages; with REDIS_URL set it is
that Redis. Which database: the test database pytest-django created, as this process sees it
now (SQLite: its file, passed as SQLITE_PATH; PostgreSQL: DATABASE_URL naming the test database).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


class WorkerFailed(RuntimeError):
    pass


@dataclass
class WorkerProcess:
    hostname: str  # the node name tasks report, e.g. "test-1a2b3c4d@myhost"
    process: subprocess.Popen
    log_path: Path
    broker_url: str
    env: dict[str, str] = field(repr=False)
    killed: bool = False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once (its own process group), as a
        machine that loses power would: no warm shutdown, nothing acknowledged."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.killed = True

    def assert_alive(self) -> None:
        if self.killed:
            return  # killed on purpose by the test
        if self.process.poll() is not None:
            raise WorkerFailed(
                f"the Celery worker exited with {self.process.returncode}:\n{self.log()}"
            )


def worker_environment() -> dict[str, str]:
    """The environment that points a worker at this process's broker and test database."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["PYTHONUNBUFFERED"] = "1"
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    db = connection.settings_dict  # NAME is the test database's once pytest-django set it up
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(db["NAME"])
    elif connection.vendor == "postgresql":
        url = urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = url._replace(path="/" + quote(str(db["NAME"]))).geturl()
    else:
        raise WorkerFailed(f"no worker harness for the {connection.vendor} database")
    return env


@contextmanager
def producing_to(broker_url: str, transport_options: dict) -> Iterator[None]:
    """Until the block ends, this process sends its tasks to another broker (a Redis database
    of a test's own, say), with these transport options.

    CELERY_BROKER_URL in the environment wins over the app's configuration (celery.app.utils),
    so it is what is switched. Celery keeps a connection pool and a producer pool: both are dropped
    on the way in and out, as Celery itself does after a fork, so the next task goes where it
    should.
    """
    saved_url = os.environ.get("CELERY_BROKER_URL")
    saved_options = app.conf.broker_transport_options
    _drop_producer_pools()
    os.environ["CELERY_BROKER_URL"] = broker_url
    app.conf.broker_transport_options = transport_options
    try:
        yield
    finally:
        _drop_producer_pools()
        if saved_url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_url
        app.conf.broker_transport_options = saved_options


def _drop_producer_pools() -> None:
    # Celery's pool is kombu's, registered per broker URL: closing it alone would leave a closed
    # pool there, which the next task to the same URL would get ("Acquire on closed pool") in
    # every test after this one. reset() closes kombu's pools and forgets them.
    kombu_pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def _purge_test_broker() -> None:
    """Drop messages a previous, interrupted run left in the embedded test broker. Only that
    file, which no one else uses: a Redis broker may be a developer's, and is left alone."""
    if settings.EMBEDDED_BROKER and "test-celery-broker" in settings.CELERY_BROKER_URL:
        app.control.purge()


def _pid_files() -> Path:
    # This process's data directory is its own (one per xdist worker: config/settings.py).
    folder = Path(settings.DATA_DIR) / "test-workers"
    folder.mkdir(exist_ok=True)
    return folder


def _stop_leftover_workers() -> None:
    """Stop the workers an interrupted earlier run (killed, Ctrl-C twice) left running on this
    data directory's broker: they would take this run's tasks to the old test database. Each
    worker this harness starts is recorded by its pid and its test process's until it is
    stopped; a worker whose test process is gone is left over."""
    for pid_file in _pid_files().glob("*.pid"):
        try:
            pid, owner = (int(n) for n in pid_file.read_text().split())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError):
            pid_file.unlink(missing_ok=True)
            continue
        if Path(f"/proc/{owner}").exists():
            continue  # its test process still runs (this one, or a session fixture's worker)
        if "celery" in cmdline and pid_file.stem in cmdline:
            sys.stderr.write(f"Stopping Celery worker {pid} left by an earlier run\n")
            with suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        pid_file.unlink(missing_ok=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # warm shutdown: the worker stops its own pool first
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # Still running, so its pid is still its process group's (a session of its own): kill
        # the worker and its pool children together.
        sys.stderr.write(f"Celery worker {process.pid} ignored SIGTERM for {STOP_TIMEOUT:g} s\n")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def celery_worker(
    log_dir: Path, *, env: dict[str, str] | None = None, ready_timeout: float = READY_TIMEOUT
) -> Iterator[WorkerProcess]:
    """Start `celery -A config worker`, wait until it consumes, yield it, stop it.

    `env` adds to or overrides the worker's environment (worker_environment()), e.g. an email
    backend, a broker of its own (CELERY_BROKER_URL) or a job setting.

    Raises WorkerFailed, with the worker's log, if it does not get ready or dies meanwhile.
    """
    _stop_leftover_workers()
    _purge_test_broker()
    node = f"test-{uuid.uuid4().hex[:8]}"
    log_path = Path(log_dir) / f"{node}.log"
    env = {**worker_environment(), **(env or {})}
    command = [
        sys.executable,  # this virtualenv's interpreter: `python -m celery` is its celery
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel=INFO",
        "--concurrency=1",
        "--pool=prefork",
        "-n",
        f"{node}@%h",
        # Nothing to exchange with other workers; on Redis, mingle alone costs a second.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file = _pid_files() / f"{node}.pid"
    pid_file.write_text(f"{process.pid} {os.getpid()}")
    try:
        worker = _wait_until_ready(process, node, log_path, env, ready_timeout)
        try:
            yield worker
        except BaseException:
            sys.stderr.write(f"--- Celery worker log ({log_path}) ---\n{worker.log()}\n")
            raise
        # A worker that died while in use failed every test after it: say so, with its log.
        worker.assert_alive()
    finally:
        _stop(process)
        pid_file.unlink(missing_ok=True)


def _wait_until_ready(
    process: subprocess.Popen, node: str, log_path: Path, env: dict[str, str], timeout: float
) -> WorkerProcess:
    # The worker logs "<name> ready." once it consumes from the broker. The SQL broker cannot
    # broadcast, so `app.control.ping()` would not answer there: the log works on both brokers.
    ready = re.compile(rf"^.*\] ({re.escape(node)}@\S+) ready\.$", re.MULTILINE)
    deadline = time.monotonic() + timeout
    while True:
        text = log_path.read_text(errors="replace")
        found = ready.search(text)
        if found:
            return WorkerProcess(found.group(1), process, log_path, env["CELERY_BROKER_URL"], env)
        if process.poll() is not None:
            raise WorkerFailed(f"the Celery worker exited with {process.returncode}:\n{text}")
        if time.monotonic() > deadline:
            raise WorkerFailed(f"the Celery worker was not ready after {timeout:g} s:\n{text}")
        time.sleep(0.1)
