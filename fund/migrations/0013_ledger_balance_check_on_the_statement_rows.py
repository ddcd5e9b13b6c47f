from pathlib import Path

from django.db import migrations

from common.migration_sql import postgres_sql


class Migration(migrations.Migration):
    dependencies = [("fund", "0012_entry_book_function")]
    operations = [postgres_sql(Path(__file__).with_suffix(".sql"))]
