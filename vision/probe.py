"""Read the facts of a video or image file from `ffmpeg -i` output.

The imageio-ffmpeg wheel ships ffmpeg without ffprobe, so `probe` runs
`ffmpeg -i FILE` with no output file and parses the stream description
that ffmpeg prints to stderr before it exits with "At least one output
file must be specified". The patterns below match ffmpeg 7.0.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import subprocess
from pathlib import Path

from vision.errors import InvalidMediaError
from vision.ffmpeg_process import ffmpeg_exe, input_url, run_ffmpeg, seconds_left

logger = logging.getLogger(__name__)

# Seconds that ffmpeg may take to read a file's header.
DEFAULT_PROBE_TIMEOUT = 30

# Demuxers that read a single still image.
IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe"}

INPUT_RE = re.compile(r"^Input #0, (?P<format>[^,]+(?:,[^,\s]+)*), from ", re.M)
DURATION_RE = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)")
VIDEO_STREAM_RE = re.compile(
    r"^\s*Stream #0:\d+.*?: Video: (?P<codec>\w+)(?P<rest>.*)$", re.M
)
SIZE_RE = re.compile(r", (?P<width>\d+)x(?P<height>\d+)")
FPS_RE = re.compile(r", (?P<fps>\d+(?:\.\d+)?)(?P<k>k?) fps")
DISPLAYMATRIX_RE = re.compile(
    r"displaymatrix: rotation of (?P<degrees>-?\d+(?:\.\d+)?) degrees"
)
ROTATE_TAG_RE = re.compile(r"^\s*rotate\s*:\s*(?P<degrees>-?\d+)", re.M)


@dataclasses.dataclass(frozen=True)
class MediaInfo:
    """Facts about the first video stream of a file.

    `width` and `height` are the displayed size, after rotation. `rotation`
    is the clockwise turn, in degrees (0, 90, 180 or 270), that players
    apply for display. It follows the convention of the old MP4 `rotate`
    tag, so ffmpeg's "displaymatrix: rotation of -90.00 degrees" is 90. `duration` is None when the container does not state one, as in
    WebM written by a browser's MediaRecorder. `fps` is None when ffmpeg
    reports no frame rate. Both are None for a still image.
    """

    kind: str
    width: int
    height: int
    fps: float | None
    duration: float | None
    rotation: int
    codec: str


def probe(
    path: str | Path, timeout_seconds: float = DEFAULT_PROBE_TIMEOUT
) -> MediaInfo:
    """Describe the video or image at `path`.

    Raises InvalidMediaError when the file is empty, unreadable, truncated
    or has no video stream. Raises FileNotFoundError when it does not
    exist, and TimeoutError when ffmpeg takes longer than `timeout_seconds`.
    """
    if os.stat(path).st_size == 0:
        raise InvalidMediaError(
            f"{path} is empty (0 bytes).",
            "The file is empty. Please upload it again.",
        )

    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", input_url(path)]
    try:
        result = subprocess.run(
            args,
            capture_output=True,
            timeout=timeout_seconds,
            check=False,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as error:
        raise TimeoutError(
            f"ffmpeg took more than {timeout_seconds} s to read {path}."
        ) from error

    return parse_ffmpeg_info(result.stderr.decode("utf-8", "replace"), path)


def parse_ffmpeg_info(text: str, path: str | Path = "the file") -> MediaInfo:
    """Build a MediaInfo from the stderr of `ffmpeg -i FILE`."""
    input_match = INPUT_RE.search(text)
    if input_match is None:
        raise_unreadable(text, path)

    video_match = first_video_stream(text)
    if video_match is None:
        raise InvalidMediaError(
            f"{path} has no video stream.",
            "This file contains no video (it may be audio only). "
            "Please upload a video or an image.",
        )

    stream_line = video_match.group("rest")
    size_match = SIZE_RE.search(stream_line)
    if size_match is None or int(size_match["width"]) == 0:
        raise InvalidMediaError(
            f"ffmpeg reports no frame size for the video stream of {path}: "
            f"{video_match.group(0).strip()}",
        )

    rotation = read_rotation(text[video_match.start() :])
    width, height = int(size_match["width"]), int(size_match["height"])
    if rotation in (90, 270):
        width, height = height, width

    is_image = bool(set(input_match["format"].split(",")) & IMAGE_FORMATS)
    return MediaInfo(
        kind="image" if is_image else "video",
        width=width,
        height=height,
        fps=None if is_image else read_fps(stream_line),
        duration=None if is_image else read_duration(text),
        rotation=rotation,
        codec=video_match["codec"],
    )


TRUNCATED_USER_MESSAGE = (
    "The video file is incomplete, probably cut short during upload "
    "or download. Please upload the whole file again."
)


def raise_unreadable(text: str, path: str | Path) -> None:
    detail = text.strip().splitlines()[-1] if text.strip() else "no output"
    # ffmpeg guesses the demuxer from the file name when the content matches
    # nothing, and prints "detected only with low score". A text file named
    # .mp4 then also fails with "moov atom not found".
    guessed_from_name = "low score" in text
    if "moov atom not found" in text and not guessed_from_name:
        raise InvalidMediaError(
            f"ffmpeg could not open {path}: moov atom not found ({detail}).",
            TRUNCATED_USER_MESSAGE,
        )

    raise InvalidMediaError(f"ffmpeg could not open {path}: {detail}")


def first_video_stream(text: str) -> re.Match[str] | None:
    # ffmpeg lists the cover art of an audio file as a video stream marked
    # "(attached pic)", which is not a video.
    for match in VIDEO_STREAM_RE.finditer(text):
        if "(attached pic)" not in match["rest"]:
            return match

    return None


def read_rotation(stream_text: str) -> int:
    match = DISPLAYMATRIX_RE.search(stream_text)
    if match is not None:
        # The display matrix turns counter-clockwise; the tag turns clockwise.
        return round(-float(match["degrees"]) / 90) * 90 % 360

    match = ROTATE_TAG_RE.search(stream_text)
    if match is not None:
        return round(int(match["degrees"]) / 90) * 90 % 360

    return 0


def read_fps(stream_line: str) -> float | None:
    match = FPS_RE.search(stream_line)
    if match is None:
        return None

    fps = float(match["fps"]) * (1000 if match["k"] else 1)
    return fps if fps > 0 else None


def read_duration(text: str) -> float | None:
    match = DURATION_RE.search(text)
    if match is None:
        return None

    seconds = int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])
    return seconds if seconds > 0 else None


def probe_before(path: str | Path, deadline: float | None) -> MediaInfo:
    """Probe `path`, giving ffmpeg at most the time left until `deadline`."""
    time_left = seconds_left(deadline)
    if time_left is None:
        return probe(path)

    return probe(path, timeout_seconds=min(DEFAULT_PROBE_TIMEOUT, time_left))


def measure_duration(
    path: str | Path, *, deadline: float | None = None
) -> float | None:
    """Return the time of the last video packet, for files whose header has none.

    This copies the video packets to a null output without decoding them,
    so it reads the whole file but costs far less than a decode. Returns
    None when ffmpeg reports no time.
    """
    args = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        "-i",
        input_url(path),
        "-map",
        "0:v:0",
        "-c",
        "copy",
        "-f",
        "null",
        "-progress",
        "pipe:1",
        "-",
    ]
    ffmpeg_run = run_ffmpeg(args, deadline=deadline)
    times = re.findall(r"^out_time_us=(\d+)$", ffmpeg_run.stdout_text, re.M)
    if not times:
        return None

    seconds = int(times[-1]) / 1_000_000
    return seconds if seconds > 0 else None
