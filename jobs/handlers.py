"""The registry that maps each job type to the function that runs it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.models import Job
    from jobs.runner import JobContext

Handler = Callable[["Job", "JobContext"], None]

_handlers: dict[str, Handler] = {}


def register(job_type: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        if job_type in _handlers:
            raise ValueError(f"A handler for job type {job_type!r} already exists.")
        _handlers[job_type] = handler
        return handler

    return decorate


def get_handler(job_type: str) -> Handler:
    try:
        return _handlers[job_type]
    except KeyError:
        raise LookupError(
            f"No handler is registered for job type {job_type!r}."
        ) from None
