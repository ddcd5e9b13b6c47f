from django.core.management.base import BaseCommand, CommandError

from common.exceptions import BackstopError
from common.services.apikeys import VALID_SCOPES, api_key_create


class Command(BaseCommand):
    help = "Create a scoped API key; the key is printed once and only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", action="append", required=True, choices=sorted(VALID_SCOPES))

    def handle(self, *args, name, scope, **options):
        try:
            key, text = api_key_create(name=name, scopes=scope, actor="cli")
        except BackstopError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"API key for {key.name} (scopes: {', '.join(key.scopes)}); "
            f"store it now, it is not shown again:\n{text}"
        )
