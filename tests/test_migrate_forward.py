"""A database made by the previous release is carried forward: the code of BASELINE (taken from
this repository's history) migrates a fresh embedded database and loads the demo data into it;
today's code then migrates that file, and every row of every table the old code wrote is still
there, the new columns are filled (organizations' search keys), and nothing is left to migrate.
Both runs are real `manage.py` processes on a real SQLite file."""

import os
import sqlite3
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

# The main branch before the lists, saved views, duplicates and merge, search columns and
# follow-up outcomes arrived: engagement 0009 and matching 0004 are its last migrations.
BASELINE = "d7583fe"
ROOT = Path(__file__).resolve().parent.parent
# Tables whose rows depend on when a command ran rather than on the data (sessions, caches).
VOLATILE = {"django_session", "django_cache", "django_migrations"}
# Tables that gain rows for the new models (their content types and permissions).
GROWING = {"django_content_type", "auth_permission"}


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER", "SQLITE_PATH")
        and not k.startswith(("CELERY_", "DJANGO_"))
    }
    env.update(DATA_DIR=str(data_dir), DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings")
    return env


def _manage(code: Path, env: dict[str, str], *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, f"manage.py {' '.join(args)} in {code}:\n{run.stdout}{run.stderr}"
    return run.stdout


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for t in tables
            if t not in VOLATILE
        }


@pytest.fixture(scope="module")
def baseline_code(tmp_path_factory) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", BASELINE],
        capture_output=True,
        timeout=120,
    )
    if archive.returncode != 0:
        pytest.fail(
            f"The baseline {BASELINE} is not in this repository's history ("
            f"{archive.stderr.decode().strip()}); the migration test needs a full clone.",
            pytrace=False,
        )
    where = tmp_path_factory.mktemp("baseline")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(where, filter="data")
    return where


def test_a_database_of_the_previous_release_migrates_forward_with_its_data(baseline_code, tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "db.sqlite3"
    _manage(baseline_code, env, "migrate", "--no-input")
    _manage(baseline_code, env, "load_reference")
    _manage(baseline_code, env, "load_demo", "--verbosity", "0")
    before = _counts(db)

    _manage(ROOT, env, "migrate", "--no-input")
    after = _counts(db)
    pending = _manage(ROOT, env, "showmigrations", "--plan")

    assert before["engagement_organization"] > 50 and before["engagement_engagement"] > 0
    changed = {t: (n, after.get(t)) for t, n in before.items() if after.get(t) != n}
    assert set(changed) <= GROWING
    assert all(after_n > before_n for before_n, after_n in changed.values())
    assert "[ ]" not in pending
    with sqlite3.connect(db) as conn:
        unkeyed = conn.execute(
            "SELECT COUNT(*) FROM engagement_organization WHERE search_text = ''"
        ).fetchone()[0]
        new_tables = set(after) - set(before)
    assert unkeyed == 0
    assert {"engagement_savedview", "engagement_organizationmerge"} <= new_tables
