from __future__ import annotations

from rest_framework import serializers

from analyses.serializers import require_finite
from jobs.serializers import JobSerializer
from reactions.models import Reaction

MAX_OFFSET_SECONDS = 24 * 60 * 60


class ReactionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The webcam recording (WebM, MP4, ...).")
    offset = serializers.FloatField(
        required=False,
        validators=[require_finite],
        # A bound for videos still being analysed, whose length is unknown:
        # no video is a day long.
        max_value=MAX_OFFSET_SECONDS,
        default=0.0,
        min_value=0.0,
        help_text="Where the video was, in seconds, when the recording started.",
    )


class ReactionSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True)
    model = serializers.JSONField(source="model_info", read_only=True)

    class Meta:
        model = Reaction
        fields = [
            "id",
            "analysis_id",
            "status",
            "offset",
            "size",
            "duration",
            "width",
            "height",
            "sample_rate",
            "model",
            "summary",
            "timeline",
            "job",
            "created_at",
        ]
        read_only_fields = fields
