"""Measure the emotions of the faces in a video or image with fer.

`analyze` samples a video at `sample_rate` frames per second through one
ffmpeg pipe as grey frames (see `vision.frames`), finds the faces of each
sample on a downscaled copy (see `vision.faces`), and scores each face
from the full-size frame with fer's bundled TFLite model (see
`vision.emotions`). Frames are streamed, so memory use does not grow with
the video's length.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import math
import os
import time
import warnings
from collections.abc import Callable, Generator
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np

from vision.emotions import classify_faces
from vision.errors import AnalysisError, InvalidMediaError, MediaError
from vision.faces import DetectorSettings, FaceTracker
from vision.frames import read_sampled_frames
from vision.probe import MediaInfo, measure_duration, probe_before

logger = logging.getLogger(__name__)

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

DEFAULT_SAMPLE_RATE = 5.0

# Frames whose longer side exceeds this many pixels (larger than 4K UHD)
# are shrunk by ffmpeg before analysis, and boxes are scaled back to the
# video's pixels. A 4K frame is 8 MB as raw grey. Shrinking 4K to 1920
# lost faces of 100-140 pixels that fer finds at full size.
ANALYSIS_MAX_SIDE = 3840


@dataclasses.dataclass
class AnalysisResult:
    """The emotions measured in one file.

    `timeline` has one entry per sample: `{"time": seconds, "faces": [{"box":
    [x, y, w, h], "emotions": {emotion: score}}]}`, with faces largest first
    and boxes in the displayed video's pixels. `summary` is described in
    `summarize`. `model` records what produced the result.
    """

    duration: float
    width: int
    height: int
    fps: float | None
    sample_rate: float
    timeline: list[dict]
    summary: dict
    model: dict


@functools.cache
def load_model() -> object:
    """Load fer's FER model once per process and return it.

    Raises AnalysisError when fer or TensorFlow cannot be loaded.
    """
    # Without TF_CPP_MIN_LOG_LEVEL, TensorFlow prints C++ start-up notices.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        # NOTE: importing fer calls logging.basicConfig(level=INFO), which
        # adds a root handler when the process has none yet.
        from fer.fer import FER

        # fer 25.10.3 builds its model with tf.lite.Interpreter, which
        # TensorFlow 2.21 warns is deprecated on every load.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Interpreter is deprecated")
            return FER()
    except Exception as error:
        raise AnalysisError(
            f"Could not load the fer emotion model: {error!r}"
        ) from error


def model_provenance(sample_rate: float, settings: DetectorSettings) -> dict:
    """Describe the model and the settings behind a result."""
    return {
        "name": "fer",
        "version": metadata.version("fer"),
        "emotion_model": "fer bundled TFLite (emotion_model_quantized.tflite)",
        "detector": "opencv haarcascade_frontalface_default",
        "detection_max_side": settings.detection_max_side,
        "min_face_size": settings.min_face_size,
        "sample_rate": sample_rate,
    }


def analyze(
    path: str | Path,
    *,
    sample_rate: float = DEFAULT_SAMPLE_RATE,
    progress: Callable[[float], None] | None = None,
    deadline: float | None = None,
    time_offset: float = 0.0,
    detector: DetectorSettings | None = None,
    decoder_threads: int | None = None,
) -> AnalysisResult:
    """Measure the emotions of every face in the video or image at `path`.

    An image gives one sample at time 0; a video gives one sample every
    `1 / sample_rate` seconds. `time_offset` is added to every sample's
    time. `progress` is called with a fraction between 0 and 1 after each
    sample, and with 1.0 at the end. `deadline` is a `time.monotonic()`
    value. `decoder_threads` sets ffmpeg's thread count, which by default
    follows the cores the process may use when ffmpeg starts.

    Raises InvalidMediaError for a file that is not a readable video or
    image, ConversionError when ffmpeg cannot decode it, AnalysisError when
    the face detector or emotion model fails, and TimeoutError once the
    deadline passes.
    """
    if not (math.isfinite(sample_rate) and sample_rate > 0):
        raise ValueError(
            f"sample_rate must be a finite number above 0, not {sample_rate}."
        )

    detector = detector or DetectorSettings()
    model = load_model()
    info = probe_before(path, deadline)
    report = ProgressReporter(
        progress, expected_samples(path, info, sample_rate, deadline)
    )

    if info.kind == "image":
        frames = read_image(path)
        scale = 1.0
    else:
        frames, scale = sample_video(path, info, sample_rate, deadline, decoder_threads)

    # min_face_size is in the video's pixels, like fer's.
    tracker = FaceTracker(
        dataclasses.replace(
            detector, min_face_size=max(1, round(detector.min_face_size * scale))
        )
    )
    timeline = []
    width, height = info.width, info.height
    # Closing the generator kills ffmpeg, so no error leaves it running.
    with contextlib.closing(frames):
        for index, frame in enumerate(frames):
            if info.kind == "image":
                # OpenCV turned the image by its EXIF orientation, which the
                # probe does not apply, and boxes are in the turned pixels.
                height, width = frame.shape

            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"Analysis of {path} ran past the deadline.")

            faces = measure_faces(model, frame, tracker, scale)
            sample_time = index / sample_rate + time_offset
            timeline.append({"time": round(sample_time, 3), "faces": faces})
            report(len(timeline))

    report.finish()
    duration = 0.0 if info.kind == "image" else len(timeline) / sample_rate
    return AnalysisResult(
        duration=round(info.duration or duration, 3),
        width=width,
        height=height,
        fps=info.fps,
        sample_rate=sample_rate,
        timeline=timeline,
        summary=summarize(timeline),
        model=model_provenance(sample_rate, detector),
    )


def sample_video(
    path: str | Path,
    info: MediaInfo,
    sample_rate: float,
    deadline: float | None,
    decoder_threads: int | None = None,
) -> tuple[Generator[np.ndarray, None, None], float]:
    """Start streaming sampled frames and return them with their scale to the video."""
    scale = min(1.0, ANALYSIS_MAX_SIDE / max(info.width, info.height))
    width = max(2, round(info.width * scale))
    height = max(2, round(info.height * scale))
    frames = read_sampled_frames(
        path,
        sample_rate=sample_rate,
        width=width,
        height=height,
        pixel_format="gray",
        deadline=deadline,
        decoder_threads=decoder_threads,
    )
    return frames, scale


def read_image(path: str | Path) -> Generator[np.ndarray, None, None]:
    """Yield the image at `path` as the only frame, in grey."""
    # OpenCV applies the EXIF orientation of JPEG files. The image is read
    # in colour and converted as fer converts frames, because IMREAD_GRAYSCALE
    # lets the JPEG decoder do the conversion with its own rounding.
    frame = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise InvalidMediaError(f"OpenCV could not decode the image {path}.")

    yield cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def measure_faces(
    model, frame: np.ndarray, tracker: FaceTracker, scale: float
) -> list[dict]:
    """Find the faces in a grey `frame` and score their emotions, largest
    face first."""
    try:
        boxes = [box for box in tracker.find(frame) if box[2] > 0 and box[3] > 0]
        if not boxes:
            return []

        scores = classify_faces(model, frame, boxes)
    except MediaError:
        raise
    except Exception as error:
        raise AnalysisError(
            f"The face detector or emotion model failed: {error!r}"
        ) from error

    return [
        {
            "box": [round(value / scale) for value in box],
            "emotions": {emotion: round(face[emotion], 3) for emotion in EMOTIONS},
        }
        for box, face in zip(boxes, scores, strict=True)
    ]


def expected_samples(
    path: str | Path, info: MediaInfo, sample_rate: float, deadline: float | None
) -> int | None:
    """Estimate how many samples a file gives, or return None when unknown."""
    if info.kind == "image":
        return 1

    duration = info.duration
    if duration is None:
        duration = measure_duration(path, deadline=deadline)

    if duration is None:
        return None

    return max(1, math.ceil(duration * sample_rate))


class ProgressReporter:
    """Call `progress` with a fraction that always stays within [0, 1].

    The expected sample count is an estimate (the container's duration may
    be wrong or missing), so fractions stop at 0.99 until `finish` reports
    1.0. With no estimate, every call reports 0.0 until the end.
    """

    def __init__(
        self, progress: Callable[[float], None] | None, expected: int | None
    ) -> None:
        self.progress = progress
        self.expected = expected if expected and expected > 0 else None

    def __call__(self, done: int) -> None:
        if self.progress is None:
            return

        fraction = 0.0 if self.expected is None else min(0.99, done / self.expected)
        self.progress(max(0.0, fraction))

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(1.0)


def summarize(timeline: list[dict]) -> dict:
    """Summarise a timeline into each emotion's share of the samples with a face.

    For every sample with at least one face, the dominant emotion (highest
    score, ties going to the first in EMOTIONS order) of the largest face by
    box area counts once. `shares[emotion]` is that count divided by
    `samples_with_face`, so the shares add up to 1 (up to rounding to 3
    places) when any face was found, and are all 0 otherwise. `dominant`
    is the emotion with the largest share, or None with no face at all.
    """
    counts = dict.fromkeys(EMOTIONS, 0)
    samples_with_face = 0
    for sample in timeline:
        if not sample["faces"]:
            continue

        face = max(sample["faces"], key=lambda face: face["box"][2] * face["box"][3])
        scores = face["emotions"]
        counts[max(EMOTIONS, key=lambda emotion: scores.get(emotion, 0.0))] += 1
        samples_with_face += 1

    shares = {
        emotion: round(count / samples_with_face, 3) if samples_with_face else 0.0
        for emotion, count in counts.items()
    }
    dominant = (
        max(EMOTIONS, key=lambda emotion: counts[emotion])
        if samples_with_face
        else None
    )
    return {
        "dominant": dominant,
        "shares": shares,
        "samples": len(timeline),
        "samples_with_face": samples_with_face,
    }
