from django.apps import AppConfig


class ReactionsConfig(AppConfig):
    name = "reactions"

    def ready(self) -> None:
        from reactions import tasks  # noqa: F401
