"""How production names and serves static files."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ForgivingManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed file names from `collectstatic`'s manifest when there is one; the
    plain name of a file that was not collected (no collectstatic yet, or a file added since),
    which WhiteNoise then serves from its app (WHITENOISE_USE_FINDERS). Without this, a missing
    manifest entry raises inside `{% static %}` and every page is a 500."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            # Not in the manifest and not in STATIC_ROOT to be hashed now.
            return name
