from django.contrib.auth import views as auth_views
from django.urls import path

from engagement.accounts import views
from engagement.accounts.oidc import SsoCallbackView, SsoStartView

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/verify/", views.verify, name="two-factor-verify"),
    path("accounts/security/", views.security, name="security"),
    path("accounts/security/setup/", views.setup, name="two-factor-setup"),
    path("accounts/security/disable/", views.disable, name="two-factor-disable"),
    path(
        "accounts/security/recovery-codes/",
        views.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("accounts/sso/start/", SsoStartView.as_view(), name="sso-start"),
    path("accounts/sso/callback/", SsoCallbackView.as_view(), name="sso-callback"),
]
