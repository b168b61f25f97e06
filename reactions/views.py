"""Pages for reactions: the recorder and each reaction's live status."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import login_required_or_403
from analyses import uploads
from analyses.models import Analysis
from analyses.views import can_record, is_image, notify
from jobs.models import Job
from jobs.views import POLL_SECONDS


def reaction_jobs(user, analysis_pk: int):
    """Reaction jobs on one of the user's analyses, with their reaction."""
    return (
        Job.objects.filter(
            job_type=Job.Type.REACTION,
            analysis_id=analysis_pk,
            analysis__owner=user,
        )
        .select_related("reaction", "reaction__recorded_by")
        .defer("payload", "error", "reaction__timeline")
    )


def record_reaction(request, analysis_pk: int):
    analysis = get_object_or_404(
        Analysis.objects.for_user(request.user).without_results(), pk=analysis_pk
    )
    if not can_record(analysis):
        context = {"analysis": analysis, "is_image": is_image(analysis)}
        return render(request, "reactions/record_unavailable.html", context)

    context = {
        "analysis": analysis,
        "upload_url": reverse("api-reaction", args=[analysis.pk]),
        "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        "too_large_message": str(uploads.UploadTooLarge()),
    }
    return render(request, "reactions/record.html", context)


def render_row(request, job: Job, status: int = 200):
    job.position = job.queue_position()
    context = {"reaction": job.reaction, "job": job, "poll_seconds": POLL_SECONDS}
    return render(request, "reactions/_reaction_row.html", context, status=status)


@require_GET
@login_required_or_403
def reaction_status(request, analysis_pk: int, pk: int):
    """Return a reaction's status row; it polls while the job is active."""
    job = get_object_or_404(reaction_jobs(request.user, analysis_pk), reaction_id=pk)
    response = render_row(request, job)

    if job.status == Job.Status.COMPLETED:
        message = f"Reaction #{pk} is analysed."
        return notify(response, message, "success", "reactionFinished")
    if job.status == Job.Status.FAILED:
        message = f"The analysis of reaction #{pk} failed."
        return notify(response, message, "error", "reactionFinished")
    return response


@require_POST
@login_required_or_403
def retry_reaction(request, analysis_pk: int, pk: int):
    """Queue a failed reaction job again, reusing the stored recording."""
    job = get_object_or_404(reaction_jobs(request.user, analysis_pk), reaction_id=pk)
    if job.retry():
        message, level, status = f"Reaction #{pk} is queued again.", "success", 200
    else:
        message = f"Only a failed job can be retried; this one is {job.status}."
        level, status = "error", 409

    if not request.htmx:
        tag = messages.SUCCESS if level == "success" else messages.ERROR
        messages.add_message(request, tag, message)
        return redirect("analysis-detail", analysis_pk)

    return notify(render_row(request, job, status), message, level)
