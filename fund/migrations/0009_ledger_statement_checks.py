from pathlib import Path

from django.db import migrations

from common.migration_sql import postgres_sql


class Migration(migrations.Migration):
    dependencies = [("fund", "0008_staking_locked_check")]
    operations = [
        postgres_sql(Path(__file__).with_suffix(".sql")),
        migrations.RemoveField(model_name="ledgerhead", name="seq"),
        migrations.RemoveField(model_name="ledgerhead", name="hash"),
    ]
