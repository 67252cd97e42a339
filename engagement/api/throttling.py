import math

from rest_framework.throttling import SimpleRateThrottle

from engagement.models import ApiToken


class PrincipalRateThrottle(SimpleRateThrottle):
    """Count requests per token (or per signed-in user, or per address when anonymous) in the
    shared cache, so N web workers still allow one rate, not N times it.

    The window's requests are kept as a count per second ({second: requests}), not as DRF's
    list of one timestamp per request: that list grows with the rate, and every request read,
    unpickled, pickled and wrote it whole (at 1,200 a minute, 1,200 timestamps each time).
    A request counts from the end of its second, so the window never lets one through early."""

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
        kept = self.cache.get(self.key)
        horizon = self.now - self.duration
        counts = {s: n for s, n in kept.items() if s > horizon} if isinstance(kept, dict) else {}
        self.history = counts
        if sum(counts.values()) >= self.num_requests:
            return self.throttle_failure()
        second = math.ceil(self.now)
        counts[second] = counts.get(second, 0) + 1
        # Kept until its newest second leaves the window (that second ends up to 1 s ahead).
        self.cache.set(self.key, counts, self.duration + 1)
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
