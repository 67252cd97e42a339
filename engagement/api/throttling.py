from rest_framework.throttling import SimpleRateThrottle

from engagement.models import ApiToken


class PrincipalRateThrottle(SimpleRateThrottle):
    """Count requests per token (or per signed-in user, or per address when anonymous) in the
    shared cache, so N web workers still allow one rate, not N times it."""

    scope = "principal"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
