"""allauth's views at the console's own addresses.

The sign-in pages keep the URLs (and URL names) they always had, so bookmarks, e-mails
already sent and scripts keep working; each is also reachable by allauth's name, which
allauth reverses internally. The rest of allauth (verification, re-authentication, MFA,
sessions) lives under /console/account/.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account import views as account
from django.http import HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView

from accounts.views.account import end_other_sessions
from accounts.views.auth import legacy_password_reset


def both(
    route: str, view: Callable[..., HttpResponseBase], console_name: str, allauth_name: str
) -> list[URLPattern]:
    return [path(route, view, name=console_name), path(route, view, name=allauth_name)]


entrance: list[URLPattern | URLResolver] = [
    *both("signup", account.signup, "signup", "account_signup"),
    *both("signin", account.login, "signin", "account_login"),
    *both("signout", account.logout, "signout", "account_logout"),
    *both("password-reset", account.password_reset, "password_reset", "account_reset_password"),
    *both(
        "password-reset/sent",
        account.password_reset_done,
        "password_reset_done",
        "account_reset_password_done",
    ),
    *both(
        "password-reset/done",
        account.password_reset_from_key_done,
        "password_reset_complete",
        "account_reset_password_from_key_done",
    ),
    re_path(
        r"^password-reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)$",
        account.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path("password-reset/<uidb64>/<token>", legacy_password_reset, name="password_reset_confirm"),
    path("verify-email", account.email_verification_sent, name="account_email_verification_sent"),
    path("account-inactive", account.account_inactive, name="account_inactive"),
]

manage: list[URLPattern | URLResolver] = [
    path("reauthenticate", account.reauthenticate, name="account_reauthenticate"),
    path("email", account.email, name="account_email"),
    path("password", account.password_change, name="account_change_password"),
    path("password/set", account.password_set, name="account_set_password"),
    path("2fa/", include("allauth.mfa.urls")),
    # allauth's session list is the account page's: one list, one "sign out the others",
    # one entry in the security log.
    path("sessions/", end_other_sessions, name="usersessions_list"),
]


def moved(pattern_name: str) -> Callable[..., HttpResponseBase]:
    return RedirectView.as_view(pattern_name=pattern_name, query_string=True)


# allauth's own addresses (/accounts/…, which links and habits may still use) and the
# admin's password change, which would check a password outside the sign-in throttle: each
# goes to the console's page for the same thing.
elsewhere: list[URLPattern] = [
    path(f"accounts/{route}", moved(name))
    for route, name in [
        ("login/", "signin"),
        ("signup/", "signup"),
        ("logout/", "signout"),
        ("password/reset/", "password_reset"),
        ("password/change/", "account_change_password"),
        ("password/set/", "account_set_password"),
        ("email/", "account_email"),
        ("reauthenticate/", "account_reauthenticate"),
        ("2fa/", "mfa_index"),
        ("sessions/", "account"),
    ]
] + [
    path("admin/password_change/", moved("account_change_password")),
    path("admin/password_change/done/", moved("account")),
]
