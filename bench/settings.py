"""Benchmark settings: Keyward's, plus the two libraries it is compared with (never in
production's INSTALLED_APPS), no middleware but allauth's (which its app requires), and
rate-limit counters in process memory unless a round switches them to Redis."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, REDIS_URL, env

DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "rest_framework_api_key"]
# allauth's app refuses to start without its middleware; every variant pays it alike.
MIDDLEWARE = ["allauth.account.middleware.AccountMiddleware"]
ROOT_URLCONF = "bench.urls"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL or env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/0"),
    },
}
API_RATE_LIMIT = "100000000/min"
LOGGING = {"version": 1, "disable_existing_loggers": False}
