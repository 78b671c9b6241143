"""Keys stored before expiries were capped at ten years (say, 9999-12-31T23:30Z, which
overflows when shown in a time zone east of UTC and broke the key list) now expire ten
years after this migration. It lives in `config` because it only fixes data of `apikeys`."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone


def clamp(apps, schema_editor):
    ApiKey = apps.get_model("apikeys", "ApiKey")
    latest = timezone.now() + timedelta(days=3652)
    ApiKey.objects.filter(expires_at__gt=latest).update(expires_at=latest)


class Migration(migrations.Migration):
    dependencies = [("apikeys", "0001_initial")]

    operations = [migrations.RunPython(clamp, migrations.RunPython.noop)]
