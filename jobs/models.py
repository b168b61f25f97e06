"""The job table: the record of background work that people see.

django-q2's own task rows only carry a job's primary key to the worker;
everything shown in pages, the API and the admin is read from `Job`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone


class JobQuerySet(models.QuerySet):
    def for_user(self, user) -> JobQuerySet:
        return self.filter(owner=user)

    def active(self) -> JobQuerySet:
        return self.filter(status__in=[Job.Status.QUEUED, Job.Status.PROCESSING])

    def next_queued(self) -> Job | None:
        return self.filter(status=Job.Status.QUEUED).order_by("queued_at", "pk").first()

    def queue_positions(self) -> dict[int, int]:
        """Map each queued job's id to its place in the queue, starting at 1.

        One query for every queued job, instead of one `Job.queue_position()`
        query per job shown.
        """
        queued = (
            self.filter(status=Job.Status.QUEUED)
            .order_by("queued_at", "pk")
            .values_list("pk", flat=True)
        )
        return {pk: position for position, pk in enumerate(queued, start=1)}


class Job(models.Model):
    class Type(models.TextChoices):
        VIDEO_ANALYSIS = "video_analysis", "Video analysis"
        REACTION = "reaction", "Reaction"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    class ErrorCategory(models.TextChoices):
        TIMEOUT = "timeout", "Timed out"
        CONVERSION_FAILED = "conversion_failed", "Conversion failed"
        STORAGE_FAILED = "storage_failed", "Storage failed"
        ANALYSIS_FAILED = "analysis_failed", "Analysis failed"
        INVALID_MEDIA = "invalid_media", "Not a readable video"
        UNKNOWN = "unknown", "Unknown error"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    job_type = models.CharField(max_length=32, choices=Type.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    analysis = models.ForeignKey(
        "analyses.Analysis", on_delete=models.CASCADE, related_name="jobs"
    )
    reaction = models.ForeignKey(
        "reactions.Reaction",
        on_delete=models.CASCADE,
        related_name="jobs",
        null=True,
        blank=True,
    )
    # What the handler needs to run the job again, without a new upload.
    payload = models.JSONField(default=dict, blank=True)
    # Runs started, including interrupted ones and those after a retry.
    attempts = models.PositiveIntegerField(default=0)
    # Times a dead worker left the job processing since it was last queued
    # by a person; recovery fails the job once this reaches
    # JOB_MAX_ATTEMPTS. A clean shutdown does not count.
    crashes = models.PositiveIntegerField(default=0)
    progress = models.FloatField(default=0.0)

    error = models.TextField(blank=True)
    error_user_message = models.TextField(blank=True)
    error_category = models.CharField(
        max_length=32, choices=ErrorCategory.choices, blank=True
    )
    is_transient = models.BooleanField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    # When the job last entered the queue: creation, a retry or a recovery.
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written with each progress report, so a dead worker shows as silence.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_created"),
            models.Index(fields=["status", "queued_at"], name="job_status_queued"),
            models.Index(fields=["job_type", "status"], name="job_type_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_job_type_display()} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        return round(min(max(self.progress, 0.0), 1.0) * 100)

    @property
    def retry_can_help(self) -> bool:
        """Return whether retrying this failed job could give another outcome.

        A non-transient failure such as a file that is not a video fails the
        same way again, so pages offer to upload another file instead. Two
        non-transient categories keep the offer: an administrator may have
        freed disk space since a storage failure, and the message of an
        unknown error suggests a retry. A failure not yet classified keeps it too.
        The API lets the owner retry every failed job.
        """
        if self.status != self.Status.FAILED:
            return False
        if self.is_transient is not False:
            return True
        return self.error_category in (
            self.ErrorCategory.STORAGE_FAILED,
            self.ErrorCategory.UNKNOWN,
        )

    def queue_position(self) -> int | None:
        """Return how many queued jobs run before this one, plus one."""
        if self.status != self.Status.QUEUED:
            return None

        ahead = Job.objects.filter(status=self.Status.QUEUED).filter(
            models.Q(queued_at__lt=self.queued_at)
            | models.Q(queued_at=self.queued_at, pk__lt=self.pk)
        )
        return ahead.count() + 1

    def retry(self) -> bool:
        """Put a failed job back in the queue; return False if it was not failed.

        The conditional update makes two simultaneous retries queue it once.
        """
        from jobs.queue import enqueue_task

        with transaction.atomic():
            changed = Job.objects.filter(pk=self.pk, status=self.Status.FAILED).update(
                status=self.Status.QUEUED,
                crashes=0,
                progress=0.0,
                error="",
                error_user_message="",
                error_category="",
                is_transient=None,
                started_at=None,
                finished_at=None,
                heartbeat_at=None,
                worker_pid=None,
                queued_at=timezone.now(),
            )
            if not changed:
                return False

            self.refresh_from_db()
            self.sync_subject_status()
            enqueue_task(self)

        return True

    def sync_subject_status(self) -> None:
        """Copy the job's status onto the analysis or reaction it works for."""
        if self.job_type == self.Type.REACTION and self.reaction_id:
            from reactions.models import Reaction

            Reaction.objects.filter(pk=self.reaction_id).update(status=self.status)
        elif self.job_type == self.Type.VIDEO_ANALYSIS:
            from analyses.models import Analysis

            Analysis.objects.filter(pk=self.analysis_id).update(status=self.status)
