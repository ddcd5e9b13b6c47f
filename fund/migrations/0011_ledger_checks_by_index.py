from pathlib import Path

from django.db import migrations

from common.migration_sql import postgres_sql


class Migration(migrations.Migration):
    dependencies = [("fund", "0010_ledger_set_based_references")]
    operations = [postgres_sql(Path(__file__).with_suffix(".sql"))]
