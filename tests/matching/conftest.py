import pytest

from matching.services.loading import reset_engine_cache


@pytest.fixture(autouse=True)
def _fresh_engine():
    """The engine is kept per process between recomputes; a test starts without one, since the
    previous test's directory was rolled back."""
    reset_engine_cache()
    yield
    reset_engine_cache()
