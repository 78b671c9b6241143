from django.urls import path

from apikeys.views import actions, device, keys

urlpatterns = [
    path("device", device.device_login, name="device"),
    path("api-keys", keys.key_list, name="api-keys"),
    path("api-keys/new", keys.key_create, name="api-key-create"),
    path("api-keys/<str:public_id>/created", keys.key_created, name="api-key-created"),
    path("api-keys/<str:public_id>/revoke", actions.key_revoke, name="api-key-revoke"),
    path(
        "api-keys/<str:public_id>/regenerate",
        actions.key_regenerate,
        name="api-key-regenerate",
    ),
]
