from django.urls import path

from usage import key_page, views

urlpatterns = [
    path("usage", views.usage_page, name="usage"),
    # After apikeys' own api-keys/… routes (apikeys' URLs are included first).
    path("api-keys/<str:public_id>", key_page.key_page, name="api-key-detail"),
]
