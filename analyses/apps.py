from django.apps import AppConfig


class AnalysesConfig(AppConfig):
    name = "analyses"
    verbose_name = "Analyses"

    def ready(self) -> None:
        from analyses import signals, tasks  # noqa: F401
