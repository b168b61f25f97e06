"""Keep the worker from slowing down the web server on a small machine.

Analysis keeps every core it can get busy. The worker therefore runs at
the lowest CPU priority, and can be held to fewer cores; the ffmpeg and
TensorFlow threads it starts inherit both limits.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)


def lower_worker_priority(background: bool, cpus: int) -> None:
    """Lower this process's CPU priority and, if `cpus` > 0, restrict it to
    that many cores (the highest-numbered ones, leaving core 0 to the web).

    With `background`, Linux's SCHED_IDLE policy runs the worker only when
    no other process wants the CPU; elsewhere, nice 19 comes closest.
    """
    if background:
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except (AttributeError, OSError):
            os.nice(19 - os.nice(0))

    if cpus > 0 and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        chosen = set(available[-cpus:])
        os.sched_setaffinity(0, chosen)
        logger.info("Worker pid %s restricted to CPUs %s", os.getpid(), sorted(chosen))
