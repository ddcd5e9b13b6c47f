from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Backstop common"

    def ready(self) -> None:
        from common import lookups  # noqa: F401  (registers ``__any``)
