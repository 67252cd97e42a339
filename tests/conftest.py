from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from engagement.models import Thrust
from tests import factories


def pytest_collection_modifyitems(session, config, items):
    """Every test has an id of its own: pytest-xdist sends each id to a process once, so of
    several tests sharing an id only one would run (and the run would still pass)."""
    ids = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, count in ids.items() if count > 1)
    if shared:
        raise pytest.UsageError(
            f"{len(shared)} test id(s) shared by several tests, e.g. {shared[0]}: "
            "give each its own (a pytest parametrization names them)."
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0)


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Reference data is loaded once per test database; a transactional test flushes it, so
    reload it when the next test that uses the database finds it gone."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        return
    transactional = "transactional_db" in names or (marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    if not Thrust.objects.exists():
        call_command("load_reference", verbosity=0)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. Django's LocaleMiddleware activates the
    language a request asks for (Accept-Language) and leaves it active on the thread: after an
    anonymous request in Japanese, the next test's service messages would be Japanese."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def disco(db):
    return factories.company(
        name="DISCO",
        name_ja="ディスコ",
        org_type="equipment",
        capabilities=["EQP.DICING", "EQP.SERVICE"],
    )


@pytest.fixture
def tel(db):
    return factories.company(
        name="Tokyo Electron",
        name_ja="東京エレクトロン",
        org_type="equipment",
        capabilities=["EQP.ETCH", "EQP.DEP"],
    )


@pytest.fixture
def team_a(disco):
    return factories.team("team-a", company=disco)


@pytest.fixture
def team_b(tel):
    return factories.team("team-b", company=tel)


@pytest.fixture
def users(team_a, team_b):
    """One user per role; BD members and integrators in team A, plus a BD member of team B."""
    return {
        "bd_a": factories.user("bd_a", role="bd_member", team=team_a),
        "bd_b": factories.user("bd_b", role="bd_member", team=team_b),
        "integrator_a": factories.user("integrator_a", role="integrator", team=team_a),
        "pm": factories.user("pm", role="program_manager"),
        "admin": factories.user("admin", role="admin"),
    }


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Real hashing costs ~0.3 s a user by design; tests create many users."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Japanese -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh_catalogue():
    """Compile the catalogue as the build does and drop the translations Django has cached, so
    a module reads the catalogue as it is now, whatever ran before it."""
    from io import StringIO
    from pathlib import Path

    from django.conf import settings
    from django.utils.translation.reloader import translation_file_changed

    call_command("compile_translations", stdout=StringIO())
    mo = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.mo"
    translation_file_changed(sender=None, file_path=mo)


@pytest.fixture
def english_afterwards():
    """A Japanese reader's request leaves Japanese active in this thread (the middleware sets
    it for the request and the next request sets its own); later tests expect the default."""
    from django.utils import translation

    yield
    translation.deactivate()


# --- A real Celery worker (tests/celery_harness.py) -----------------------------------------
@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """One real worker for the session, on this run's broker and test database. Depending on
    django_db_setup, it stops before the test database is dropped. Tests using it need
    @pytest.mark.django_db(transaction=True) so that the worker sees what they wrote.

    The worker writes the emails it sends to files in worker.env["EMAIL_FILE_PATH"]."""
    from tests.celery_harness import celery_worker

    log_dir = tmp_path_factory.mktemp("celery-worker")
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(log_dir / "emails"),
    }
    with celery_worker(log_dir, env=env) as worker:
        yield worker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that used the worker shows the worker's log in its report."""
    report = yield
    if report.failed and "celery_worker_process" in item.fixturenames:
        worker = item.funcargs.get("celery_worker_process")
        if worker is not None:
            report.sections.append(("Celery worker log", worker.log()))
    return report
