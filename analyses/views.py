"""Pages for analyses."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from analyses.media import serve_file
from analyses.models import Analysis


def home(request):
    analyses = Analysis.objects.for_user(request.user).without_results()
    return render(request, "analyses/home.html", {"analyses": analyses})


def analysis_detail(request, pk: int):
    analysis = get_object_or_404(Analysis.objects.for_user(request.user), pk=pk)
    return render(request, "analyses/detail.html", {"analysis": analysis})


def analysis_video(request, pk: int):
    analysis = get_object_or_404(
        Analysis.objects.for_user(request.user).without_results(), pk=pk
    )
    return serve_file(request, analysis.video.path)
