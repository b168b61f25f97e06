"""The batch-queue widget."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import login_required_or_403
from jobs.models import Job

# Seconds between two polls of a live region while its job is active.
POLL_SECONDS = 2

# Seconds between two refreshes of the project list and of an empty queue
# widget, which pick up work started from the API or another tab.
REFRESH_SECONDS = 15


def queue_widget_context(user) -> dict:
    jobs = list(
        Job.objects.for_user(user)
        .active()
        .select_related("analysis")
        .only(
            "pk",
            "job_type",
            "status",
            "progress",
            "queued_at",
            "analysis__id",
            "analysis__original_name",
        )
        .order_by("queued_at", "pk")
    )
    positions = (
        Job.objects.queue_positions()
        if any(job.status == Job.Status.QUEUED for job in jobs)
        else {}
    )
    for job in jobs:
        job.position = positions.get(job.pk)

    return {
        "queue_jobs": jobs,
        "poll_seconds": POLL_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
    }


@require_GET
@login_required_or_403
def queue_widget(request):
    """Return the widget of the user's queued and processing jobs.

    The widget polls every POLL_SECONDS while it lists a job. An empty
    widget refreshes every REFRESH_SECONDS, and at once on a `queueChanged`
    event (sent after an upload or a retry from the same page).
    """
    return render(
        request, "jobs/_queue_widget.html", queue_widget_context(request.user)
    )
