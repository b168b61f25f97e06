from __future__ import annotations

from django.contrib import admin

from reactions.models import Reaction


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["id", "analysis", "recorded_by", "status", "offset", "created_at"]
    list_filter = ["status"]
    search_fields = ["analysis__original_name", "recorded_by__username"]
    list_select_related = ["analysis", "recorded_by"]
    exclude = ["timeline"]
    readonly_fields = [
        "analysis",
        "recorded_by",
        "recording",
        "converted",
        "size",
        "offset",
        "status",
        "duration",
        "width",
        "height",
        "sample_rate",
        "summary",
        "model_info",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("timeline")
