import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from common.auth import ROLES
from common.exceptions import BackstopError
from common.services.staff import staff_create


class Command(BaseCommand):
    help = "Create a staff user with a TOTP device; prints the otpauth URI to scan once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", action="append", default=[], choices=ROLES)
        parser.add_argument("--password-env", help="read the password from this variable")

    def handle(self, *args, username, role, password_env, **options):
        password = os.environ.get(password_env, "") if password_env else getpass.getpass()
        if len(password) < 12:
            raise CommandError("password: must be at least 12 characters")
        try:
            _, device = staff_create(username=username, password=password, roles=role, actor="cli")
        except BackstopError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"created {username}; add this to an authenticator app now "
            f"(it is not shown again):\n{device.config_url}"
        )
