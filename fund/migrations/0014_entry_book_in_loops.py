from pathlib import Path

from django.db import migrations

from common.migration_sql import postgres_sql

HERE = Path(__file__).parent


class Migration(migrations.Migration):
    dependencies = [("fund", "0013_ledger_balance_check_on_the_statement_rows")]
    operations = [
        postgres_sql(
            HERE / "0014_entry_book_in_loops.sql",
            reverse_to=HERE / "0012_entry_book_function.sql",
        )
    ]
