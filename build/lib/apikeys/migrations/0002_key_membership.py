import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def link_memberships(apps, schema_editor):
    """Existing user keys belong to their user's current membership; a key whose user is no
    longer a member keeps none, so it stays inactive even if they are invited again."""
    ApiKey = apps.get_model("apikeys", "ApiKey")
    Membership = apps.get_model("accounts", "Membership")
    current = Membership.objects.filter(user=OuterRef("user"), tenant=OuterRef("tenant"))
    ApiKey.objects.filter(kind="user").update(membership=Subquery(current.values("pk")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("apikeys", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="membership",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="api_keys",
                to="accounts.membership",
            ),
        ),
        migrations.RunPython(link_memberships, migrations.RunPython.noop),
    ]
