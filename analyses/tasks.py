"""The worker's handler for the `video_analysis` job type."""

from __future__ import annotations

import logging

from jobs.handlers import register
from jobs.models import Job

logger = logging.getLogger(__name__)


@register(Job.Type.VIDEO_ANALYSIS)
def analyse_video(job: Job, context) -> None:
    from analyses.models import Analysis
    from analyses.results import make_thumbnail, save_results
    from vision.analyzer import analyze
    from vision.probe import probe

    analysis = Analysis.objects.get(pk=job.analysis_id)
    sample_rate = float(job.payload.get("sample_rate") or analysis.sample_rate)
    source = analysis.video.path

    info = probe(source)
    result = analyze(
        source,
        sample_rate=sample_rate,
        progress=context.report_progress,
        deadline=context.deadline,
        decoder_threads=context.decoder_threads,
    )
    context.check_deadline()

    thumbnail = make_thumbnail(source, min(1.0, (result.duration or 0) / 2))
    files = {"thumbnail": thumbnail} if thumbnail else {}
    # A retry replaces the old thumbnail only once the new results are
    # saved, so a failed save leaves no reference to a deleted file.
    old_thumbnail = analysis.thumbnail.name if thumbnail else ""

    save_results(
        analysis,
        result,
        fields={
            "media_kind": info.kind,
            "duration": result.duration,
            "fps": result.fps,
            "width": result.width,
            "height": result.height,
        },
        files=files,
    )
    if old_thumbnail:
        analysis.thumbnail.storage.delete(old_thumbnail)

    logger.info(
        "Analysis %s: %s samples, %s with a face",
        analysis.pk,
        result.summary.get("samples"),
        result.summary.get("samples_with_face"),
    )
