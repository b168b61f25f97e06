"""Pages for analyses: projects list, upload form, analysis page, media."""

from __future__ import annotations

import hashlib
import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.decorators import login_required_or_403
from analyses import uploads
from analyses.charts import (
    EMOTIONS,
    average_series,
    has_face,
    main_face_series,
    strongest_emotion,
    viewer_series,
)
from analyses.forms import UploadForm
from analyses.media import serve_file
from analyses.models import Analysis
from jobs.models import Job
from jobs.views import POLL_SECONDS, REFRESH_SECONDS, queue_widget_context
from reactions.models import Reaction


def analysis_jobs(user):
    """Video-analysis jobs of the user's analyses, with their analysis."""
    return (
        Job.objects.filter(job_type=Job.Type.VIDEO_ANALYSIS, analysis__owner=user)
        .select_related("analysis")
        .defer("payload", "error", "analysis__timeline")
    )


def projects_with_jobs(user):
    jobs = Job.objects.filter(job_type=Job.Type.VIDEO_ANALYSIS).defer(
        "payload", "error"
    )
    return (
        Analysis.objects.for_user(user)
        .without_results()
        .prefetch_related(Prefetch("jobs", queryset=jobs, to_attr="video_jobs"))
    )


def notify(response, message: str, level: str = "success", *events: str):
    """Ask the page to show a toast and fire `events` on its body."""
    trigger_client_event(response, "showToast", {"message": message, "level": level})
    for event in events:
        trigger_client_event(response, event)
    return response


@require_GET
@login_not_required
def favicon(request):
    """Redirect /favicon.ico, which browsers request by themselves, to the icon."""
    return redirect(static("favicon.ico"), permanent=True)


def project_list_version(user) -> str:
    """Return a digest of the user's analyses and their statuses.

    The project list sends it back with each refresh, and an unchanged
    digest means that the list in the page is current.
    """
    rows = Analysis.objects.for_user(user).order_by("pk").values_list("pk", "status")
    text = ";".join(f"{pk}:{status}" for pk, status in rows)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def project_list_context(user) -> dict:
    return {
        "analyses": projects_with_jobs(user),
        "list_version": project_list_version(user),
        "poll_seconds": POLL_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
    }


def home(request):
    context = {
        **upload_form_context(UploadForm()),
        **project_list_context(request.user),
        **queue_widget_context(request.user),
    }
    return render(request, "analyses/home.html", context)


@require_GET
@login_required_or_403
def project_list(request):
    """Return the project list, or 204 if it has not changed.

    The page refreshes the list every REFRESH_SECONDS, so that uploads from
    the API or another tab appear; an unchanged list costs one query.
    """
    version = project_list_version(request.user)
    if request.GET.get("version") == version:
        return HttpResponse(status=204)

    context = project_list_context(request.user)
    return render(request, "analyses/home.html#project-list", context)


@require_POST
@login_required_or_403
def upload_video(request):
    """Store an uploaded video with `create_analysis` and queue its job."""
    try:
        uploads.check_declared_size(request)
    except uploads.UploadTooLarge as exc:
        return upload_rejected(request, UploadForm.rejected(str(exc)), status=413)

    form = UploadForm(request.POST, request.FILES)
    try:
        uploads.check_received_size(request)
    except uploads.UploadTooLarge as exc:
        return upload_rejected(request, UploadForm.rejected(str(exc)), status=413)

    if not form.is_valid():
        return upload_rejected(request, form, status=400)

    try:
        analysis, _job = uploads.create_analysis(
            request.user, form.cleaned_data["video"]
        )
    except uploads.UploadTooLarge as exc:
        form.add_error("video", str(exc))
        return upload_rejected(request, form, status=413)
    except uploads.EmptyUpload as exc:
        form.add_error("video", str(exc))
        return upload_rejected(request, form, status=400)

    message = f"“{analysis.original_name}” was uploaded and queued for analysis."
    if not request.htmx:
        messages.success(request, message)
        return redirect(analysis)

    response = render(
        request,
        "analyses/home.html#upload-form",
        upload_form_context(UploadForm()),
    )
    return notify(response, message, "success", "analysisCreated", "queueChanged")


def upload_form_context(form: UploadForm) -> dict:
    return {
        "form": form,
        "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        "too_large_message": str(uploads.UploadTooLarge()),
    }


def upload_rejected(request, form: UploadForm, status: int):
    """Show the form with its errors: the fragment for htmx, else the page."""
    if request.htmx:
        context = upload_form_context(form)
        return render(request, "analyses/home.html#upload-form", context, status=status)

    context = {
        **upload_form_context(form),
        **project_list_context(request.user),
        **queue_widget_context(request.user),
    }
    return render(request, "analyses/home.html", context, status=status)


@require_GET
@login_required_or_403
def analysis_card(request, pk: int):
    """Return an analysis's card; it polls until the job has ended."""
    job = get_object_or_404(analysis_jobs(request.user), analysis_id=pk)
    analysis = job.analysis
    analysis.video_jobs = [job]

    response = render(
        request,
        "analyses/home.html#analysis-card",
        {"analysis": analysis, "poll_seconds": POLL_SECONDS},
    )
    return notify_if_finished(response, job, analysis)


def notify_if_finished(response, job: Job, analysis: Analysis):
    """Toast the end of a job to a page that was polling it.

    Only a page that saw the job active polls it, so each ending is
    announced once per open page.
    """
    if job.status == Job.Status.COMPLETED:
        message = f"“{analysis.original_name}” is analysed."
        return notify(response, message, "success", "analysisFinished", "queueChanged")
    if job.status == Job.Status.FAILED:
        message = f"The analysis of “{analysis.original_name}” failed."
        return notify(response, message, "error", "analysisFinished", "queueChanged")
    return response


def analysis_detail(request, pk: int):
    analysis = get_object_or_404(Analysis.objects.for_user(request.user), pk=pk)
    job = analysis.job
    context = {
        "analysis": analysis,
        "job": job,
        # A file the worker could not read would only show a broken player.
        "unreadable": job is not None
        and job.error_category == Job.ErrorCategory.INVALID_MEDIA,
        "poll_seconds": POLL_SECONDS,
        **results_context(analysis),
    }
    return render(request, "analyses/detail.html", context)


def is_image(analysis: Analysis) -> bool:
    if analysis.media_kind:
        return analysis.media_kind == "image"
    content_type = mimetypes.guess_type(analysis.video.name)[0] or ""
    return content_type.startswith("image/")


def can_record(analysis: Analysis) -> bool:
    """Return whether viewers can record a reaction to the analysis's video.

    A queued or processing video is offered too, so that viewers need not
    wait for the analysis. If such a file turns out not to play, the
    recorder page shows a banner. A failed analysis is not offered, because
    its file usually cannot be read at all.
    """
    return analysis.status != Analysis.Status.FAILED and not is_image(analysis)


def results_context(analysis: Analysis) -> dict:
    jobs = Job.objects.defer("payload", "error")
    reactions = list(
        analysis.reactions.select_related("recorded_by").prefetch_related(
            Prefetch("jobs", queryset=jobs)
        )
    )
    if any(r.status == Reaction.Status.QUEUED for r in reactions):
        positions = Job.objects.queue_positions()
        for reaction in reactions:
            if reaction.job:
                reaction.job.position = positions.get(reaction.job.pk)

    completed = [r for r in reactions if r.status == Reaction.Status.COMPLETED]
    with_face = [r for r in completed if has_face(r)]
    step = 1 / (analysis.sample_rate or settings.SAMPLE_RATE)
    average = average_series(with_face, step)
    chart = {
        "duration": analysis.duration,
        "video": main_face_series(analysis.timeline),
        "reactions": average,
        "viewers": viewer_series(with_face),
    }
    shares = (analysis.summary or {}).get("shares") or {}
    return {
        "is_image": is_image(analysis),
        "can_record": can_record(analysis),
        "reactions": reactions,
        "completed_count": len(completed),
        "face_count": len(with_face),
        "no_face_count": len(completed) - len(with_face),
        "viewer_emotion": strongest_emotion(average),
        "emotions": EMOTIONS,
        "chart": chart,
        "shares": sorted(shares.items(), key=lambda item: item[1], reverse=True),
    }


@require_GET
@login_required_or_403
def analysis_results(request, pk: int):
    """Return the summary, charts and reactions, after a job has ended."""
    analysis = get_object_or_404(Analysis.objects.for_user(request.user), pk=pk)
    context = {
        "analysis": analysis,
        "poll_seconds": POLL_SECONDS,
        **results_context(analysis),
    }
    return render(request, "analyses/detail.html#results", context)


@require_GET
@login_required_or_403
def job_panel(request, pk: int):
    """Return the analysis job's status panel; it polls while the job is active."""
    job = get_object_or_404(analysis_jobs(request.user), analysis_id=pk)
    job.position = job.queue_position()

    response = render(request, "analyses/detail.html#job-panel", panel_context(job))
    return notify_if_finished(response, job, job.analysis)


def panel_context(job: Job) -> dict:
    return {
        "analysis": job.analysis,
        "job": job,
        "poll_seconds": POLL_SECONDS,
        "can_record": can_record(job.analysis),
    }


@require_POST
@login_required_or_403
def retry_analysis(request, pk: int):
    """Queue a failed analysis job again, reusing the stored upload."""
    job = get_object_or_404(analysis_jobs(request.user), analysis_id=pk)
    if job.retry():
        message, level, status = "The analysis is queued again.", "success", 200
    else:
        message = f"Only a failed job can be retried; this one is {job.status}."
        level, status = "error", 409

    if not request.htmx:
        tag = messages.SUCCESS if level == "success" else messages.ERROR
        messages.add_message(request, tag, message)
        return redirect(job.analysis)

    job.position = job.queue_position()
    response = render(
        request, "analyses/detail.html#job-panel", panel_context(job), status=status
    )
    return notify(response, message, level, "queueChanged")


def analysis_video(request, pk: int):
    analysis = get_object_or_404(
        Analysis.objects.for_user(request.user).without_results(), pk=pk
    )
    return serve_file(request, analysis.video.path)


def analysis_thumbnail(request, pk: int):
    analysis = get_object_or_404(
        Analysis.objects.for_user(request.user).without_results(), pk=pk
    )
    if not analysis.thumbnail:
        raise Http404("This analysis has no thumbnail yet.")
    return serve_file(request, analysis.thumbnail.path)
