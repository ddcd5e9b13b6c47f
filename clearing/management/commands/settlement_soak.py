import os
import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

ROOT = Path(__file__).resolve().parents[3]


class Command(BaseCommand):
    help = (
        "Soak settlement: the kill -9 reliability test with N rounds instead of the suite's 20 "
        "(real workers, Redis and PostgreSQL; pytest creates and drops its own test database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=200)

    def handle(self, *args, **options):
        env = {
            **os.environ,
            "SETTLEMENT_KILL_ROUNDS": str(options["rounds"]),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        }
        test = "tests/settlement/test_reliability.py::test_kill_a_worker_mid_settlement_repeatedly"
        code = subprocess.call([sys.executable, "-m", "pytest", test, "-q"], cwd=ROOT, env=env)
        if code:
            raise CommandError(f"soak failed (pytest exit {code})")
        self.stdout.write(self.style.SUCCESS(f"{options['rounds']} kill rounds: all settled once"))
