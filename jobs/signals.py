from __future__ import annotations

import logging
import os

from django.conf import settings
from django.dispatch import receiver
from django_q.signals import post_spawn

logger = logging.getLogger(__name__)


@receiver(post_spawn)
def recover_on_worker_start(sender, proc_name, **kwargs) -> None:
    from jobs.recovery import recover_interrupted_jobs

    # Analysis keeps both cores busy; a lower priority for the worker (and
    # the ffmpeg processes it starts, which inherit it) keeps pages and
    # uploads as quick while a job runs as when the worker is idle.
    if settings.WORKER_NICENESS:
        os.nice(settings.WORKER_NICENESS)

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
