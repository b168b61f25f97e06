"""The batch-queue widget and the sign-in rule shared by every poll."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jobs.models import Job

# Seconds between two polls of a live region while its job is active.
POLL_SECONDS = 2


def login_required_or_403(view):
    """Return 403 to an anonymous request instead of redirecting it.

    htmx follows redirects, so a poll whose session has ended would swap
    the sign-in page into the page; a 403 is not swapped, and the page's
    script tells the person to sign in again.
    """

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseForbidden("Sign in to see this.")
        return view(request, *args, **kwargs)

    return wrapper


def queue_positions() -> dict[int, int]:
    """Map each queued job's id to its place in the queue, starting at 1.

    One query for every queued job, instead of one `Job.queue_position()`
    query per job shown.
    """
    queued = (
        Job.objects.filter(status=Job.Status.QUEUED)
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)
    )
    return {pk: position for position, pk in enumerate(queued, start=1)}


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
        queue_positions()
        if any(job.status == Job.Status.QUEUED for job in jobs)
        else {}
    )
    for job in jobs:
        job.position = positions.get(job.pk)

    return {"queue_jobs": jobs, "poll_seconds": POLL_SECONDS}


@require_GET
@login_required_or_403
def queue_widget(request):
    """Return the widget of the user's queued and processing jobs.

    The widget polls while it lists a job; an empty widget waits for a
    `queueChanged` event (sent after an upload or a retry) instead.
    """
    return render(
        request, "jobs/_queue_widget.html", queue_widget_context(request.user)
    )
