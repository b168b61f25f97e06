from __future__ import annotations

import math

from rest_framework import serializers

from analyses.models import Analysis
from jobs.serializers import JobSerializer


def require_finite(value: float) -> None:
    """Reject NaN and infinity, which pass DRF's FloatField and its bounds."""
    if not math.isfinite(value):
        raise serializers.ValidationError("A finite number is required.")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The video (or JPEG/PNG image) to analyse.")
    sample_rate = serializers.FloatField(
        required=False,
        validators=[require_finite],
        min_value=0.1,
        max_value=30,
        help_text="Samples per second; the server's default when left out.",
    )


class AnalysisSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True)
    model = serializers.JSONField(source="model_info", read_only=True)
    reactions = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id",
            "status",
            "original_name",
            "size",
            "media_kind",
            "duration",
            "fps",
            "width",
            "height",
            "sample_rate",
            "model",
            "summary",
            "timeline",
            "job",
            "reactions",
            "created_at",
        ]
        read_only_fields = fields

    def get_reactions(self, analysis: Analysis) -> list[dict]:
        return [
            {"id": reaction.pk, "status": reaction.status}
            for reaction in analysis.reactions.only("pk", "status", "analysis_id")
        ]


class AnalysisListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Analysis
        fields = [
            "id",
            "status",
            "original_name",
            "size",
            "duration",
            "summary",
            "created_at",
        ]
        read_only_fields = fields
