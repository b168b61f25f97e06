from __future__ import annotations

from django.contrib import admin, messages

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "job_type",
        "status",
        "owner",
        "analysis",
        "reaction",
        "attempts",
        "progress_percent",
        "error_category",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "job_type", "error_category", "is_transient"]
    search_fields = [
        "id",
        "error",
        "error_user_message",
        "analysis__original_name",
        "owner__username",
    ]
    list_select_related = ["owner", "analysis", "reaction"]
    readonly_fields = [
        "owner",
        "job_type",
        "status",
        "analysis",
        "reaction",
        "payload",
        "attempts",
        "progress",
        "error",
        "error_user_message",
        "error_category",
        "is_transient",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "worker_pid",
        "task_id",
    ]
    actions = ["retry_selected"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Retry the selected failed jobs")
    def retry_selected(self, request, queryset) -> None:
        selected = list(queryset)
        retried = [job.pk for job in selected if job.retry()]
        skipped = len(selected) - len(retried)
        if retried:
            self.message_user(
                request, f"Queued {len(retried)} job(s) again.", messages.SUCCESS
            )
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} job(s) that had not failed.",
                messages.WARNING,
            )
