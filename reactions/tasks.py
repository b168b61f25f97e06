"""The worker's handler for the `reaction` job type."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from jobs.handlers import register
from jobs.models import Job

logger = logging.getLogger(__name__)

# Converting the recording is roughly this share of a reaction job's time.
CONVERSION_SHARE = 0.2


@register(Job.Type.REACTION)
def analyse_reaction(job: Job, context) -> None:
    from analyses.results import save_results
    from reactions.models import Reaction
    from vision.analyzer import analyze
    from vision.convert import convert_to_mp4

    reaction = Reaction.objects.get(pk=job.reaction_id)
    sample_rate = float(job.payload.get("sample_rate") or reaction.sample_rate)
    offset = float(job.payload.get("offset", reaction.offset))

    # MediaRecorder files often carry no duration and a variable frame
    # rate; a constant-rate MP4 gives the analyser a clock it can trust.
    converted = (
        Path(tempfile.mkdtemp(prefix="reaction-")) / f"reaction-{reaction.pk}.mp4"
    )
    try:
        info = convert_to_mp4(
            reaction.recording.path, converted, deadline=context.deadline
        )
        context.report_progress(CONVERSION_SHARE)

        result = analyze(
            converted,
            sample_rate=sample_rate,
            progress=lambda fraction: context.report_progress(
                CONVERSION_SHARE + (1 - CONVERSION_SHARE) * fraction
            ),
            deadline=context.deadline,
            time_offset=offset,
            decoder_threads=context.decoder_threads,
        )
        context.check_deadline()

        # A retry replaces the old converted file only once the new results
        # are saved, so a failed save leaves no reference to a deleted file.
        old_converted = reaction.converted.name
        save_results(
            reaction,
            result,
            fields={
                "duration": info.duration or result.duration,
                "width": info.width,
                "height": info.height,
            },
            files={"converted": converted},
        )
        if old_converted:
            reaction.converted.storage.delete(old_converted)
    finally:
        converted.unlink(missing_ok=True)
        converted.parent.rmdir()

    logger.info(
        "Reaction %s: %s samples, %s with a face",
        reaction.pk,
        result.summary.get("samples"),
        result.summary.get("samples_with_face"),
    )
