from django.urls import path

from apikeys.oauth import views

urlpatterns = [
    path("device/code", views.device_code, name="oauth-device-code"),
    path("token", views.token, name="oauth-token"),
]
