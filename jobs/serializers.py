from __future__ import annotations

from rest_framework import serializers

from jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    analysis_id = serializers.IntegerField(read_only=True)
    reaction_id = serializers.IntegerField(read_only=True, allow_null=True)
    progress_percent = serializers.IntegerField(read_only=True)
    category = serializers.CharField(source="error_category", read_only=True)
    transient = serializers.BooleanField(
        source="is_transient", read_only=True, allow_null=True
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "job_type",
            "status",
            "analysis_id",
            "reaction_id",
            "attempts",
            "progress",
            "progress_percent",
            "error",
            "error_user_message",
            "category",
            "transient",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobDetailSerializer(JobSerializer):
    queue_position = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "queue_position", "payload"]
        read_only_fields = fields

    def get_queue_position(self, job: Job) -> int | None:
        return job.queue_position()
