"""Run queued jobs in the worker: claim, execute, record the outcome."""

from __future__ import annotations

import logging
import os
import signal
import time
import traceback

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs.activity import match_worker_cores_to_activity, worker_core_count
from jobs.errors import classify
from jobs.handlers import get_handler
from jobs.models import Job

logger = logging.getLogger(__name__)


class JobTimeout(TimeoutError):
    """The watchdog stopped a job that ran past its time limit."""


class JobWithdrawn(Exception):
    """The job's row was deleted, or left the processing status, while it ran."""


class WorkerStopping(BaseException):
    """The cluster is shutting down; the running job goes back to the queue.

    A BaseException, like KeyboardInterrupt, so that handlers which catch
    Exception cannot swallow it.
    """


_stop_requested = False


def request_stop(signum, frame) -> None:
    """Signal handler: finish no more jobs in this worker process."""
    global _stop_requested
    _stop_requested = True
    logger.info("Worker pid %s received signal %s and is stopping", os.getpid(), signum)


def install_stop_handler() -> None:
    """Make SIGINT (Ctrl-C, or `serve` stopping) interrupt the running job.

    django-q2 workers ignore SIGINT and finish every task already handed to
    them before they exit, which can take as long as a whole video. With
    this handler the running job stops at its next progress report and is
    queued again, and tasks still in hand end without claiming a job.
    """
    signal.signal(signal.SIGINT, request_stop)


def time_limit(job_type: str) -> int:
    if job_type == Job.Type.REACTION:
        return settings.REACTION_PROCESSING_TIMEOUT_SECONDS
    return settings.ANALYSIS_PROCESSING_TIMEOUT_SECONDS


class JobContext:
    """Deadline and progress reporting handed to a job's handler."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.limit_seconds = time_limit(job.job_type)
        self.deadline = time.monotonic() + self.limit_seconds
        # ffmpeg sizes its thread pool for the cores it starts on. A job that
        # starts while the worker yields a core still sets it for all cores.
        self.decoder_threads = worker_core_count()
        self._last_write = 0.0

    def check_deadline(self) -> None:
        if _stop_requested:
            raise WorkerStopping(f"Job {self.job.pk} was interrupted by a shutdown.")
        if time.monotonic() > self.deadline:
            raise JobTimeout(
                f"Job {self.job.pk} timed out after {self.limit_seconds} seconds."
            )

    def report_progress(self, fraction: float) -> None:
        """Store progress (clamped to 0..1) and a heartbeat.

        Writes happen at most once per PROGRESS_INTERVAL_SECONDS, and always
        for the final report of 1.0.
        """
        self.check_deadline()
        match_worker_cores_to_activity()

        now = time.monotonic()
        interval = settings.PROGRESS_INTERVAL_SECONDS
        if now - self._last_write < interval and fraction < 1.0:
            return

        self._last_write = now
        fraction = min(max(float(fraction), 0.0), 1.0)
        updated = Job.objects.filter(
            pk=self.job.pk, status=Job.Status.PROCESSING
        ).update(progress=fraction, heartbeat_at=timezone.now())
        if not updated:
            # The analysis was deleted or recovery took the job back, so stop
            # now instead of saving results that no job row would show.
            raise JobWithdrawn(
                f"Job {self.job.pk} was deleted or taken back while it ran."
            )


def run_next_job(job_id: int | None = None) -> str:
    """Run the oldest queued job; the django-q2 task's entry point.

    `job_id` names the job whose queueing sent this task and is used only
    in logs: every queued job sends one task, so taking the oldest job each
    time runs them all, in queue order.
    """
    if _stop_requested:
        logger.info("Task for job %s skipped: the worker is stopping", job_id)
        return "stopping"

    job = claim_next_job()
    if job is None:
        logger.debug("Task for job %s found nothing queued", job_id)
        return "idle"

    execute(job)
    return job.status


def claim_next_job() -> Job | None:
    """Move the oldest queued job to processing, or return None.

    The status filter on the update makes the claim safe against a second
    worker: only one update can change the row.
    """
    while True:
        candidate = Job.objects.next_queued()
        if candidate is None:
            return None

        now = timezone.now()
        with transaction.atomic():
            claimed = Job.objects.filter(
                pk=candidate.pk, status=Job.Status.QUEUED
            ).update(
                status=Job.Status.PROCESSING,
                attempts=F("attempts") + 1,
                progress=0.0,
                started_at=now,
                heartbeat_at=now,
                finished_at=None,
                worker_pid=os.getpid(),
            )
            if claimed:
                candidate.refresh_from_db()
                candidate.sync_subject_status()
                return candidate


def execute(job: Job) -> None:
    logger.info("Job %s (%s) started, attempt %s", job.pk, job.job_type, job.attempts)
    started = time.monotonic()
    # Before the handler starts ffmpeg, which inherits the worker's cores.
    match_worker_cores_to_activity()
    try:
        handler = get_handler(job.job_type)
        handler(job, JobContext(job))
    except WorkerStopping:
        requeue_interrupted(job)
        return
    except Exception as exc:
        logger.warning(
            "Job %s (%s) failed after %.1f s: %s",
            job.pk,
            job.job_type,
            time.monotonic() - started,
            exc,
            exc_info=True,
        )
        mark_failed(job, exc)
        return

    mark_completed(job)
    logger.info(
        "Job %s (%s) completed in %.1f s",
        job.pk,
        job.job_type,
        time.monotonic() - started,
    )


def requeue_interrupted(job: Job) -> None:
    """Put a job stopped by a shutdown back at its place in the queue."""
    with transaction.atomic():
        changed = Job.objects.filter(pk=job.pk, status=Job.Status.PROCESSING).update(
            status=Job.Status.QUEUED, progress=0.0, worker_pid=None, started_at=None
        )
        if changed:
            job.status = Job.Status.QUEUED
            job.sync_subject_status()
    logger.info("Job %s was interrupted by a shutdown and queued again", job.pk)


def mark_completed(job: Job) -> None:
    with transaction.atomic():
        changed = Job.objects.filter(pk=job.pk, status=Job.Status.PROCESSING).update(
            status=Job.Status.COMPLETED,
            progress=1.0,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        if not changed:
            logger.warning("Job %s was deleted or changed while it ran", job.pk)
            return

        job.status = Job.Status.COMPLETED
        job.sync_subject_status()


def mark_failed(job: Job, exc: BaseException) -> None:
    outcome = classify(exc)
    technical = "".join(traceback.format_exception(exc)).strip()

    with transaction.atomic():
        changed = Job.objects.filter(pk=job.pk, status=Job.Status.PROCESSING).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error=technical,
            error_user_message=outcome.user_message,
            error_category=outcome.category,
            is_transient=outcome.is_transient,
        )
        if not changed:
            logger.warning("Job %s was deleted or changed while it ran", job.pk)
            return

        job.status = Job.Status.FAILED
        job.sync_subject_status()
