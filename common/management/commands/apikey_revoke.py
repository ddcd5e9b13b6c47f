from django.core.management.base import BaseCommand, CommandError

from common.exceptions import BackstopError
from common.services.apikeys import api_key_revoke


class Command(BaseCommand):
    help = "Revoke an API key by its prefix (the part before the dot)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        try:
            api_key_revoke(prefix=prefix, actor="cli")
        except BackstopError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"revoked {prefix}")
