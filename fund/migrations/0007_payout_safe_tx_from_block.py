from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("fund", "0006_merge_0003_payouts_0005_staking")]

    operations = [
        migrations.AddField(
            model_name="payoutsafetx",
            name="from_block",
            field=models.PositiveBigIntegerField(default=0),
            preserve_default=False,
        ),
    ]
