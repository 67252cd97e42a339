import math

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.throttling import SimpleRateThrottle

from engagement.models import ApiRequestCount, ApiToken


class CacheCounts:
    """The window as one entry of the shared cache, {second: requests}: with Redis, one read
    and one write a request."""

    def window(self, key: str, horizon: float) -> dict[int, int]:
        kept = cache.get(key)
        return {s: n for s, n in kept.items() if s > horizon} if isinstance(kept, dict) else {}

    def add(self, key: str, second: int, window: dict[int, int], duration: int) -> None:
        window = {**window, second: window.get(second, 0) + 1}
        # Kept until its newest second leaves the window (that second ends up to 1 s ahead).
        cache.set(key, window, duration + 1)


class TableCounts:
    """The window as rows of ApiRequestCount, one per caller and second: where the shared
    cache is the database (no Redis), an entry rewritten whole cost six statements a request
    (the cache counts its table on every write); here one SELECT and one UPSERT. Rows that
    have left the window are deleted by the `purge_api_request_counts` job."""

    def window(self, key: str, horizon: float) -> dict[int, int]:
        table = connection.ops.quote_name(ApiRequestCount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "second", "count" FROM {table} WHERE "key" = %s AND "second" > %s',
                [key, math.floor(horizon)],
            )
            return dict(cursor.fetchall())

    def add(self, key: str, second: int, window: dict[int, int], duration: int) -> None:
        table = connection.ops.quote_name(ApiRequestCount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ("key", "second", "count") VALUES (%s, %s, 1) '
                f'ON CONFLICT ("key", "second") DO UPDATE SET "count" = {table}."count" + 1',
                [key, second],
            )


def counts_store() -> CacheCounts | TableCounts:
    """Where the throttle counts: the shared cache, unless that is the database cache."""
    backend = settings.CACHES["default"]["BACKEND"]
    return TableCounts() if backend.endswith(".db.DatabaseCache") else CacheCounts()


class PrincipalRateThrottle(SimpleRateThrottle):
    """Count requests per token (or per signed-in user, or per address when anonymous) where
    every web process reads and writes the same counts (Redis, else a table: counts_store), so
    N web workers still allow one rate, not N times it.

    The window's requests are kept as a count per second, not as DRF's list of one timestamp
    per request: that list grows with the rate, and every request read, unpickled, pickled and
    wrote it whole (at 1,200 a minute, 1,200 timestamps each time). A request counts from the
    end of its second, so the window never lets one through early."""

    scope = "principal"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        store = counts_store()
        counts = store.window(self.key, self.now - self.duration)
        self.history = counts
        if sum(counts.values()) >= self.num_requests:
            return self.throttle_failure()
        store.add(self.key, math.ceil(self.now), counts, self.duration)
        return True

    def wait(self) -> float | None:
        """Seconds until the oldest second still counted leaves the window, spread over the
        requests that will then be free (as DRF's own throttle says it)."""
        counts = self.history
        remaining = min(counts) + self.duration - self.now if counts else self.duration
        available = self.num_requests - sum(counts.values()) + 1
        if available <= 0:
            return None
        return remaining / float(available)
