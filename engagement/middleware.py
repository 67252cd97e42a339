import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


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
