"""The "locked shares within shares" check compares two amount columns: exact on PostgreSQL's
numeric, but text on SQLite, where it would compare digit strings. So it moves to SQL that only
PostgreSQL runs; on SQLite the staking services keep the rule."""

from pathlib import Path

from django.db import migrations

from common.migration_sql import postgres_sql


class Migration(migrations.Migration):
    dependencies = [("fund", "0007_payout_safe_tx_from_block")]

    operations = [
        migrations.RemoveConstraint(
            model_name="stakeposition", name="stake_position_locked_within_shares"
        ),
        postgres_sql(Path(__file__).with_suffix(".sql")),
    ]
