"""Signing in: lockout after repeated failures (django-axes), two-factor sign-in (django-otp) and
single sign-on (OpenID Connect). API tokens are checked elsewhere and pass through none of it."""
