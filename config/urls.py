from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views.auth import SignInView, signup
from accounts.views.members import invitation
from config.overview import home
from core.api.views import NotFoundView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console-home", permanent=False)),
    path("signup", signup, name="signup"),
    path("signin", SignInView.as_view(), name="signin"),
    path("signout", auth_views.LogoutView.as_view(), name="signout"),
    path(
        "password-reset",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("invitations/<str:token>", invitation, name="invitation"),
    path("console/", home, name="console-home"),
    path("console/", include("accounts.urls")),
    path("console/", include("apikeys.urls")),
    path("console/", include("usage.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", NotFoundView.as_view()),  # a JSON 404 for any other /api/ path
    path("admin/", admin.site.urls),
]
