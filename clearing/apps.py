from django.apps import AppConfig


class ClearingConfig(AppConfig):
    name = "clearing"

    def ready(self) -> None:
        from clearing import health  # noqa: F401  (adds the settlement backlog to /healthz)
