"""Start-up refuses unsafe or malformed production settings; the documented production values
pass Django's deployment checks. Each case runs in a fresh interpreter with its own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SETUP = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
    "django.setup(); print('started')"
)
GOOD_KEY = "k3y-for-tests-" + "aZ9_x" * 10
# Variables that change what the settings module does; each test sets the ones it needs.
SETTINGS_VARIABLES = {
    "DEBUG",
    "TESTING",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "BEHIND_TLS_PROXY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DATA_DIR",
    "SQLITE_PATH",
    "MEDIA_ROOT",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "DEFAULT_USER_TIME_ZONE",
    "DJANGO_SETTINGS_MODULE",
    "DEVTOOLS",
    "BENCH_FLOOR_VIEWS",
    "PYTEST_XDIST_WORKER",
    "PYTEST_VERSION",
}


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DATA_DIR"] = str(tmp_path / "data")
    env.update(values)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=180, check=False
    )


def _start(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", SETUP], env)


def _env_example() -> dict[str, str]:
    values = {}
    for line in (BASE_DIR / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip()
    return values


def _last_error_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_the_development_default_starts_with_nothing_set(tmp_path):
    result = _start(_env(tmp_path))

    assert (result.returncode, result.stdout) == (0, "started\n"), result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _start(_env(tmp_path, DEBUG="0", ALLOWED_HOSTS="tracker.example.com"))

    assert result.returncode == 1
    assert result.stdout == ""
    assert _last_error_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "SECRET_KEY must be set to a private value when DEBUG is off."
    )


def test_production_with_a_short_secret_key_refuses_to_start(tmp_path):
    result = _start(_env(tmp_path, DEBUG="0", SECRET_KEY="short", ALLOWED_HOSTS="example.com"))

    assert result.returncode == 1
    assert _last_error_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "SECRET_KEY must be at least 50 varied characters long."
    )


def test_production_without_allowed_hosts_refuses_to_start(tmp_path):
    result = _start(_env(tmp_path, DEBUG="0", SECRET_KEY=GOOD_KEY))

    assert result.returncode == 1
    assert result.stdout == ""
    assert _last_error_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "ALLOWED_HOSTS must list this site's host names when DEBUG is off."
    )


def test_a_debug_value_that_is_not_a_boolean_refuses_to_start(tmp_path):
    result = _start(_env(tmp_path, DEBUG="maybe"))

    assert result.returncode == 1
    assert _last_error_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "DEBUG='maybe' is not a boolean (use 1/0, true/false, yes/no)."
    )


def test_production_with_a_good_key_and_hosts_starts(tmp_path):
    result = _start(
        _env(tmp_path, DEBUG="0", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="tracker.example.com")
    )

    assert (result.returncode, result.stdout) == (0, "started\n"), result.stderr


def test_the_production_example_passes_the_deployment_checks(tmp_path):
    example = _env_example()
    assert example["DEBUG"] == "0"
    assert example["DATABASE_URL"].startswith("postgres://")
    # check --deploy opens no database connection, so the example's unreachable host is fine;
    # the Redis host is dropped so nothing could try to reach it either.
    example.pop("REDIS_URL")

    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _env(tmp_path, **example),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.stderr == ""


# --- Development tools (devtools/) ------------------------------------------------------------
DEVTOOLS_REPORT = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
    "django.setup(); "
    "from django.apps import apps; from django.core.management import get_commands; "
    "from django.urls import NoReverseMatch, reverse\n"
    "try:\n    floor = reverse('bench-floor-engagements')\n"
    "except NoReverseMatch:\n    floor = None\n"
    "print(apps.is_installed('devtools'), "
    "sorted(c for c in get_commands() if c in {'load_demo', 'generate_demo', 'bench_api', "
    "'bench_matching'}), floor)"
)
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "tracker.example.com"}


def _devtools(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", DEVTOOLS_REPORT], env)


def test_production_leaves_the_development_tools_out_even_with_the_bench_floor_asked_for(
    tmp_path,
):
    result = _devtools(_env(tmp_path, BENCH_FLOOR_VIEWS="1", **PRODUCTION))

    assert (result.returncode, result.stdout) == (0, "False [] None\n"), result.stderr


def test_development_installs_the_tools_and_mounts_the_floor_only_when_asked(tmp_path):
    without_floor = _devtools(_env(tmp_path))
    with_floor = _devtools(_env(tmp_path, BENCH_FLOOR_VIEWS="1"))

    tools = "['bench_api', 'bench_matching', 'generate_demo', 'load_demo']"
    assert (without_floor.returncode, without_floor.stdout) == (0, f"True {tools} None\n")
    assert (with_floor.returncode, with_floor.stdout) == (
        0,
        f"True {tools} /bench-floor/engagements/\n",
    ), with_floor.stderr


def test_devtools_1_installs_the_tools_with_debug_off_for_the_benchmark_server(tmp_path):
    result = _devtools(_env(tmp_path, DEVTOOLS="1", BENCH_FLOOR_VIEWS="1", **PRODUCTION))

    assert (result.returncode, result.stdout.split(" ")[0]) == (0, "True"), result.stderr
    assert result.stdout.endswith(" /bench-floor/engagements/\n")


PLACES = (
    "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
    "django.setup(); from django.conf import settings as s; "
    "print(json.dumps([str(s.DATA_DIR), s.REDIS_URL, s.CELERY_BROKER_URL]))"
)


def test_each_parallel_test_process_has_its_own_files_and_redis_database(tmp_path):
    env = _env(tmp_path, PYTEST_XDIST_WORKER="gw1", REDIS_URL="redis://127.0.0.1:6379/0")

    result = _run([sys.executable, "-c", PLACES], env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        str(tmp_path / "data" / "gw1"),
        "redis://127.0.0.1:6379/2",
        "redis://127.0.0.1:6379/2",
    ]


def test_outside_the_test_suite_the_data_directory_is_the_one_named(tmp_path):
    env = _env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")

    result = _run([sys.executable, "-c", PLACES], env)

    assert json.loads(result.stdout) == [
        str(tmp_path / "data"),
        "redis://127.0.0.1:6379/0",
        "redis://127.0.0.1:6379/0",
    ]
