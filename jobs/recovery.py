"""Take back jobs whose worker died, and wake the queue after a restart."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.brokers import get_broker

from jobs.errors import USER_MESSAGES
from jobs.models import Job
from jobs.queue import TASK_PATH
from jobs.runner import time_limit

logger = logging.getLogger(__name__)

# A processing job whose heartbeat is older than this is taken to be
# orphaned even if a process with its worker's pid exists (pids get reused).
STALE_HEARTBEAT = timedelta(minutes=5)

# Rounding of the start time that /proc reports (clock ticks, and a boot
# time in whole seconds).
PID_START_SLACK = timedelta(seconds=2)


def recover_interrupted_jobs() -> None:
    """Requeue or fail every processing job whose worker is gone, then make
    sure each queued job has a task on the broker.

    Called when a worker process starts. The cluster runs a single worker,
    so no other process can be running a job at that moment unless a
    second cluster was started by hand. The pid and heartbeat checks keep
    that case from touching live jobs.
    """
    for job in Job.objects.filter(status=Job.Status.PROCESSING):
        if _worker_is_alive(job):
            continue
        _recover(job)

    _top_up_broker()


def _worker_is_alive(job: Job) -> bool:
    if job.worker_pid is None or job.worker_pid == os.getpid():
        return False
    if job.heartbeat_at and timezone.now() - job.heartbeat_at > STALE_HEARTBEAT:
        return False
    try:
        os.kill(job.worker_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True

    process = _read_proc_stat(job.worker_pid)
    if process is None:
        # Without /proc (outside Linux) the signal check above is all there is.
        return True

    state, started_at = process
    # A killed worker stays a zombie until its parent reaps it. When the
    # whole cluster was killed, that parent is init, which may be slow to
    # reap it or, in a container without an init process, never do so.
    if state in ("Z", "X"):
        return False

    # A process that started after the job did cannot be the one running
    # it: the pid was reused.
    return job.started_at is None or started_at <= job.started_at + PID_START_SLACK


def _read_proc_stat(pid: int) -> tuple[str, datetime] | None:
    """Return a process's state letter and start time from /proc, or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot_line = next(
            line
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration):
        return None

    # The command name may contain spaces and brackets; fields follow the
    # last ")". Field 3 is the state, field 22 the start time in clock
    # ticks after boot (see proc(5)).
    fields = stat.rsplit(")", 1)[1].split()
    ticks = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    boot = int(boot_line.split()[1])
    return fields[0], datetime.fromtimestamp(boot + ticks, tz=UTC)


def _recover(job: Job) -> None:
    now = timezone.now()
    dead_pid = job.worker_pid
    ran_too_long = job.started_at is not None and (
        now - job.started_at
    ).total_seconds() > time_limit(job.job_type)
    crashes = job.crashes + 1
    out_of_attempts = crashes >= settings.JOB_MAX_ATTEMPTS

    with transaction.atomic():
        if ran_too_long or out_of_attempts:
            # A worker that dies mid-analysis most often ran out of memory
            # in the analyser, a transient failure.
            category = (
                Job.ErrorCategory.TIMEOUT
                if ran_too_long
                else Job.ErrorCategory.ANALYSIS_FAILED
            )
            changes = {
                "crashes": crashes,
                "status": Job.Status.FAILED,
                "finished_at": now,
                "error": (
                    f"The worker (pid {job.worker_pid}) stopped while running job "
                    f"{job.pk}, attempt {job.attempts}."
                ),
                "error_user_message": (
                    USER_MESSAGES[category]
                    if ran_too_long
                    else (
                        f"The worker stopped unexpectedly {crashes} times while "
                        "processing this file. Retry it; if it stops again, the file "
                        "may need more memory than this server has."
                    )
                ),
                "error_category": category,
                "is_transient": True,
            }
        else:
            # The job keeps its queued_at, so it runs before younger jobs.
            changes = {
                "status": Job.Status.QUEUED,
                "progress": 0.0,
                "worker_pid": None,
                "crashes": crashes,
            }

        changed = Job.objects.filter(
            pk=job.pk, status=Job.Status.PROCESSING, worker_pid=job.worker_pid
        ).update(**changes)
        if not changed:
            return

        job.refresh_from_db()
        job.sync_subject_status()

    logger.warning(
        "Job %s was left processing by worker pid %s; it is now %s",
        job.pk,
        dead_pid,
        job.status,
    )


def _top_up_broker() -> None:
    """Add tasks so that every queued job has one the broker can hand out.

    Tasks taken by a cluster that was killed stay locked on the broker
    until django-q2's retry period ends, so without new tasks their jobs
    would wait that long.
    """
    from django_q.tasks import async_task

    queued = Job.objects.filter(status=Job.Status.QUEUED).count()
    missing = queued - get_broker().queue_size()
    for _ in range(max(missing, 0)):
        async_task(TASK_PATH, None, task_name="recovered-job")
    if missing > 0:
        logger.info("Sent %s tasks for queued jobs after a worker start", missing)
