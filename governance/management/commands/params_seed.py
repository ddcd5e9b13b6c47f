import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from common.exceptions import BackstopError
from governance.services.params import param_value_set


class Command(BaseCommand):
    help = (
        "Install-time seeding of parameter values from a JSON file "
        '{"global": {"fee_take_rate": "0.0002"}, "fund:main": {...}}. '
        "After install, values change only through governance."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            data = json.loads(file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(f"{file}: expected an object of scope -> values")
        count = 0
        try:
            with transaction.atomic():
                for scope, values in data.items():
                    for name, value in values.items():
                        param_value_set(
                            name=name,
                            scope=scope,
                            value=value,
                            source="seed",
                            actor="cli",
                            path=f"{scope}.{name}",
                        )
                        count += 1
        except BackstopError as exc:
            raise CommandError(f"{file}: {exc.message} (nothing was seeded)") from exc
        self.stdout.write(self.style.SUCCESS(f"seeded {count} parameter values"))
