"""Every account that exists before allauth signed up under the old console, which never
asked for verification: their addresses are recorded as verified (and primary), so that
nobody loses the right to create keys or invite when this lands. Accounts made from now on
verify by code."""

from django.db import migrations


def mark_verified(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=pk, email=email, verified=True, primary=True)
            for pk, email in User.objects.values_list("pk", "email")
            if pk not in known
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_security_events"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(mark_verified, migrations.RunPython.noop)]
