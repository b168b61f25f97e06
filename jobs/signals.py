from __future__ import annotations

import logging

from django.conf import settings
from django.dispatch import receiver
from django_q.signals import post_spawn

logger = logging.getLogger(__name__)


@receiver(post_spawn)
def recover_on_worker_start(sender, proc_name, **kwargs) -> None:
    from jobs.activity import start_worker_yielder
    from jobs.priority import lower_worker_priority
    from jobs.recovery import recover_interrupted_jobs
    from jobs.runner import install_stop_handler

    install_stop_handler()
    lower_worker_priority(settings.WORKER_BACKGROUND, settings.WORKER_CPUS)
    start_worker_yielder(settings.WORKER_YIELD_SECONDS)

    try:
        recover_interrupted_jobs()
    except Exception:
        # A failed recovery must not stop the worker from taking new jobs.
        logger.exception("Recovering interrupted jobs failed in %s", proc_name)

    # Load the emotion model now, once per worker process, rather than
    # inside the first job.
    from vision.analyzer import load_model

    try:
        load_model()
    except Exception:
        logger.exception("Loading the emotion model failed in %s", proc_name)
