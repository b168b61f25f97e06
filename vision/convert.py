"""Convert a recording to a constant-frame-rate H.264 MP4 with ffmpeg."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import ffmpeg

from vision.errors import ConversionError, InvalidMediaError
from vision.ffmpeg_process import (
    TRUNCATION_MESSAGE,
    ffmpeg_exe,
    input_url,
    run_ffmpeg,
)
from vision.probe import TRUNCATED_USER_MESSAGE, MediaInfo, probe, probe_before

logger = logging.getLogger(__name__)

# libx264 settings: "veryfast" keeps a 2-core machine's conversion close to
# real time, and CRF 23 is x264's default quality.
X264_PRESET = "veryfast"
X264_CRF = 23


def convert_to_mp4(
    source: str | Path,
    target: str | Path,
    *,
    fps: float = 30,
    deadline: float | None = None,
) -> MediaInfo:
    """Convert the video `source` to an MP4 at `target` and describe the result.

    The MP4 has one H.264 yuv420p video stream at a constant `fps`, even
    width and height (odd sizes lose their last row or column), the
    rotation metadata applied to the pixels, and no audio. It is written
    to a temporary file next to `target` and renamed, so `target` never
    contains a partial file.

    Raises InvalidMediaError when `source` is not a video (an image counts
    as not a video) or is cut short, and ConversionError when ffmpeg fails.
    Raises TimeoutError, after killing ffmpeg, once `deadline` (a
    `time.monotonic()` value) passes.
    """
    info = probe_before(source, deadline)
    if info.kind != "video":
        raise InvalidMediaError(
            f"{source} is an image, not a video.",
            "This file is an image, not a video. Please upload a video.",
        )

    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    args = build_conversion_command(source, partial, fps=fps)
    try:
        ffmpeg_run = run_ffmpeg(args, deadline=deadline)
        if ffmpeg_run.returncode != 0:
            raise ConversionError(
                f"ffmpeg exited with code {ffmpeg_run.returncode} converting "
                f"{source}: {ffmpeg_run.stderr_text()}"
            )

        if ffmpeg_run.input_truncated:
            raise InvalidMediaError(
                f"{source} ends before the data its index lists (ffmpeg: "
                f"{TRUNCATION_MESSAGE}).",
                TRUNCATED_USER_MESSAGE,
            )

        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)

    return probe(target)


def build_conversion_command(
    source: str | Path, target: str | Path, *, fps: float
) -> list[str]:
    """Return the ffmpeg arguments that convert `source` into an MP4 at `target`."""
    video = (
        ffmpeg.input(input_url(source))
        .video.filter("fps", fps=fps)
        # Round odd sizes down to even ones, as yuv420p requires.
        .filter("scale", "trunc(iw/2)*2", "trunc(ih/2)*2")
        .filter("setsar", 1)
    )
    output = video.output(
        input_url(target),
        format="mp4",
        vcodec="libx264",
        preset=X264_PRESET,
        crf=X264_CRF,
        pix_fmt="yuv420p",
        movflags="+faststart",
        **{"fps_mode": "cfr"},
    )
    executable, *arguments = output.compile(cmd=ffmpeg_exe())
    # ffmpeg-python puts global options last, where ffmpeg 7 may ignore them.
    return [
        executable,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        *arguments,
    ]
