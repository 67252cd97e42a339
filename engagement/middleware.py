import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from engagement import policy
from engagement.web.crm_views.common import refusal_message, refuse


class UserPreferencesMiddleware:
    """Show a signed-in person the site in their own language and time zone.

    Runs after authentication. API clients that authenticate with a token are not signed in at
    this point, so their Accept-Language header (read by LocaleMiddleware) decides for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tz_name = settings.DEFAULT_USER_TIME_ZONE
        if request.path.startswith("/api/"):
            # Integrators get UTC whoever they are: their systems, not a person, read it.
            tz_name = "UTC"
        elif user is not None and user.is_authenticated:
            tz_name = user.time_zone or tz_name
        is_person = user is not None and user.is_authenticated
        if is_person and user.language and not request.path.startswith("/api/"):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
        response = self.get_response(request)
        timezone.deactivate()
        if is_person:
            # The thread serves other requests next (and tests run in-process): do not leave
            # this person's language active behind them. LocaleMiddleware, outside this one,
            # only sets Content-Language when it is missing, so set it while we still know it.
            response.headers.setdefault("Content-Language", translation.get_language())
            translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every answer: pages, API, static files.

    The pages load only their own scripts and styles (no inline code, no CDN), so a script
    injected into a page through some field we failed to escape does not run. Swagger UI at
    /api/docs/ gets its own, looser style policy (settings.CONTENT_SECURITY_POLICY_API_DOCS):
    its page carries a <style> block and the React code sets style attributes, neither of which
    we control; its scripts still come only from this site. Referrer-Policy is Django's
    SECURE_REFERRER_POLICY (SecurityMiddleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if request.path_info.startswith(settings.API_DOCS_PATH):
            policy = settings.CONTENT_SECURITY_POLICY_API_DOCS
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# Writes in the pages that concern only the signed-in person, never a team's records: an
# integrator account may still choose its language, mark its own notifications read and change
# its own calendar address (a credential, like signing out).
PERSONAL_WRITES = frozenset(
    {
        "preferences",
        "notification-mark-read",
        "notification-read",
        "notification-unread",
        "calendar-regenerate",
    }
)
WEB_VIEW_MODULES = ("engagement.web.", "matching.views", "matching.strategy_views")


class PagesReadOnlyMiddleware:
    """Refuse (403) every write sent to a page by someone who writes only through the API.

    Integrators' systems write through the API, where tokens, Idempotency-Key and If-Match
    apply; the pages show them their team's records to read. One check here covers every form
    of the web app, present and future, instead of one in each view. Sign-in, sign-out and the
    language switch are Django's own views and are not part of the web app's modules.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return None
        module = getattr(view_func, "__module__", "") or ""
        if not module.startswith(WEB_VIEW_MODULES):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in PERSONAL_WRITES:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # the view sends them to sign in
        if policy.writes_in_pages(user):
            return None
        return refuse(request, refusal_message(user))
