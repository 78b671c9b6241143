from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import auth_urls
from accounts.views.members import invitation
from config.overview import home
from core import health
from core.api.schema import CachedSchemaGenerator
from core.api.views import NotFoundView

handler500 = "core.outage.server_error"

# The admin has no sign-in form of its own: it sends people to the console's, so its
# throttle, MFA and lock-out apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", RedirectView.as_view(pattern_name="console-home", permanent=False)),
    *auth_urls.entrance,
    path("invitations/<str:token>", invitation, name="invitation"),
    path("console/", home, name="console-home"),
    path("console/account/", include(auth_urls.manage)),
    path("console/", include("accounts.urls")),
    path("console/", include("apikeys.urls")),
    path("console/", include("usage.urls")),
    path("oauth/", include("apikeys.oauth.urls")),
    path("api/v1/", include("config.api_urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(generator_class=CachedSchemaGenerator),
        name="api-schema",
    ),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", NotFoundView.as_view()),  # a JSON 404 for any other /api/ path
    *auth_urls.elsewhere,
    path("admin/", admin.site.urls),
]
