from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from analyses.storage import analysis_upload_path, delete_stored_file


class AnalysisQuerySet(models.QuerySet):
    def for_user(self, user) -> AnalysisQuerySet:
        return self.filter(owner=user)

    def without_results(self) -> AnalysisQuerySet:
        """Skip the timeline, which contains one entry per sample."""
        return self.defer("timeline")


class MeasuredMedia(models.Model):
    """Fields shared by an analysis and a reaction: a file the worker
    measures, its job's status, and the results."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    # A copy of the status of the job that measures this file, kept by
    # `Job.sync_subject_status` so lists need no join.
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED
    )

    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    # Results. A two-hour video at 5 samples a second gives 36,000 timeline
    # entries, so list queries defer the timeline.
    sample_rate = models.FloatField(default=5.0)
    summary = models.JSONField(null=True, blank=True)
    timeline = models.JSONField(null=True, blank=True)
    model_info = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def dominant_emotion(self) -> str | None:
        return (self.summary or {}).get("dominant")


class Analysis(MeasuredMedia):
    """An uploaded video (or image) and the emotions measured in it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyses"
    )
    video = models.FileField(upload_to=analysis_upload_path, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    # "video" or "image", read from the file's content by the worker.
    media_kind = models.CharField(max_length=16, blank=True)
    fps = models.FloatField(null=True, blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/", blank=True, max_length=255)

    objects = AnalysisQuerySet.as_manager()

    class Meta(MeasuredMedia.Meta):
        indexes = [
            models.Index(
                fields=["owner", "-created_at"], name="analysis_owner_created"
            ),
        ]
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return f"{self.original_name} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("analysis-detail", args=[self.pk])

    @property
    def job(self):
        """Return the analysis job (one per analysis; a retry reuses it)."""
        from jobs.models import Job

        return self.jobs.filter(job_type=Job.Type.VIDEO_ANALYSIS).first()

    def delete_files(self) -> None:
        for field in (self.video, self.thumbnail):
            delete_stored_file(field)
