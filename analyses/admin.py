from __future__ import annotations

from django.contrib import admin

from analyses.models import Analysis


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "owner", "status", "duration", "created_at"]
    list_filter = ["status", "media_kind"]
    search_fields = ["original_name", "owner__username"]
    list_select_related = ["owner"]
    exclude = ["timeline"]
    readonly_fields = [
        "owner",
        "video",
        "original_name",
        "size",
        "status",
        "media_kind",
        "duration",
        "fps",
        "width",
        "height",
        "thumbnail",
        "sample_rate",
        "summary",
        "model_info",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("timeline")
