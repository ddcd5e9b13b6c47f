from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class GovernanceConfig(AppConfig):
    name = "governance"

    def ready(self) -> None:
        # Every app's params.py declares its parameters; loading them here makes a bad
        # declaration (e.g. a default outside its bounds) fail at start-up.
        autodiscover_modules("params")
