"""Build the benchmark's input videos from the sample video with ffmpeg.

The files go to `bench/inputs/` (ignored by git) and are reused by later
runs. Delete the folder to rebuild them.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

from vision.ffmpeg_process import ffmpeg_exe, input_url

INPUTS_DIR = Path(__file__).resolve().parent / "inputs"
REPO_DIR = Path(__file__).resolve().parent.parent
SAMPLE_MEDIA_DIR = Path(
    os.environ.get("REACTION_LAB_SAMPLE_MEDIA", REPO_DIR.parent / "shared" / "media")
)
SOURCE_NAME = "talking-woman.mp4"

# Length of the long input, in seconds.
LONG_INPUT_SECONDS = 600


@dataclasses.dataclass(frozen=True)
class BenchInput:
    """One video the benchmark measures."""

    label: str
    path: Path
    run_naive: bool


def build_inputs() -> list[BenchInput]:
    """Return the benchmark's inputs, building the missing ones."""
    source = SAMPLE_MEDIA_DIR / SOURCE_NAME
    if not source.is_file():
        raise SystemExit(
            f"The sample video {source} is missing: set REACTION_LAB_SAMPLE_MEDIA "
            "to the folder that contains it."
        )

    INPUTS_DIR.mkdir(exist_ok=True)
    upscaled = INPUTS_DIR / "talking-woman-1080p.mp4"
    long_video = INPUTS_DIR / "talking-woman-10min-720p.mp4"
    if not upscaled.is_file():
        encode(source, upscaled, ["-vf", "scale=1920:1080", "-crf", "20"])

    if not long_video.is_file():
        # -stream_loop repeats the 15.5 s source; -t cuts the result to length.
        encode(
            source,
            long_video,
            ["-vf", "scale=1280:720", "-crf", "26", "-t", str(LONG_INPUT_SECONDS)],
            input_options=["-stream_loop", "-1"],
        )

    return [
        BenchInput("talking-woman.mp4 (596x336, 15.5 s)", source, run_naive=True),
        BenchInput("1080p upscale (15.5 s)", upscaled, run_naive=True),
        # Naive would take minutes here (every 720p frame read, full-frame
        # Haar search on 3000 samples), so only the floor and Reaction Lab run.
        BenchInput("10-minute 720p loop", long_video, run_naive=False),
    ]


def encode(
    source: Path, target: Path, options: list[str], input_options: list[str] = ()
) -> None:
    print(f"Building {target.name} ...", flush=True)
    partial = target.with_suffix(".partial.mp4")
    args = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        *input_options,
        "-i",
        input_url(source),
        *options,
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        partial,
    ]
    subprocess.run(args, check=True)
    partial.rename(target)
