# The last delivery status written to the store's fulfilment. Numbered 0005 to be renumbered
# at merge; it follows this branch's leaf (0003_ndr), since a second leaf would stop migrate.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shipments", "0004_courier_rules_risk"),
    ]

    operations = [
        migrations.AddField(
            model_name="shipment",
            name="channel_event_status",
            field=models.CharField(blank=True, max_length=30),
        ),
    ]
