from __future__ import annotations

from django.conf import settings
from django.db import models

from analyses.models import MeasuredMedia
from analyses.storage import delete_stored_file, reaction_upload_path


class ReactionQuerySet(models.QuerySet):
    def for_user(self, user) -> ReactionQuerySet:
        """Reactions on the user's own analyses."""
        return self.filter(analysis__owner=user)


class Reaction(MeasuredMedia):
    """A viewer's webcam recording made while an analysis's video played."""

    analysis = models.ForeignKey(
        "analyses.Analysis", on_delete=models.CASCADE, related_name="reactions"
    )
    # Who recorded it; empty when a future share link lets a guest record.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reactions",
    )
    recording = models.FileField(upload_to=reaction_upload_path, max_length=255)
    converted = models.FileField(upload_to="converted/", blank=True, max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    # Where the video was, in seconds, when the recording started; added to
    # every sample's time to put the reaction on the video's clock.
    offset = models.FloatField(default=0.0)

    objects = ReactionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Reaction #{self.pk} to {self.analysis_id}"

    @property
    def job(self):
        return self.jobs.first()

    def delete_files(self) -> None:
        for field in (self.recording, self.converted):
            delete_stored_file(field)
