"""Sort job failures into categories and word them for people.

The exception's type decides first; words in its message are only a
fallback for errors raised by libraries as bare `Exception`s.
"""

from __future__ import annotations

import errno
import subprocess
from dataclasses import dataclass

from jobs.models import Job

Category = Job.ErrorCategory

# Errno values that mean the disk, not the input, is at fault.
STORAGE_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.EIO,
}

USER_MESSAGES = {
    Category.TIMEOUT: (
        "Processing took longer than the time limit and was stopped. "
        "Retry it, or upload a shorter video."
    ),
    Category.CONVERSION_FAILED: (
        "The video could not be converted to a form we can analyse. "
        "Retry it; if it fails again, record or upload it once more."
    ),
    Category.STORAGE_FAILED: (
        "The results could not be saved because the server's storage is full "
        "or read-only. Ask the administrator to free space, then retry."
    ),
    Category.ANALYSIS_FAILED: (
        "The face and emotion analyser ran into a problem. Retry in a moment."
    ),
    Category.INVALID_MEDIA: (
        "This file is not a video or image that can be read. "
        "Upload an MP4, WebM, MOV, JPEG or PNG file."
    ),
    Category.UNKNOWN: (
        "Something went wrong while processing. Retry it; if it keeps failing, "
        "contact the administrator."
    ),
}

TRANSIENT = {
    Category.TIMEOUT: True,
    Category.CONVERSION_FAILED: True,
    Category.STORAGE_FAILED: False,
    Category.ANALYSIS_FAILED: True,
    Category.INVALID_MEDIA: False,
    Category.UNKNOWN: False,
}

MESSAGE_WORDS = [
    (Category.TIMEOUT, ("timeout", "timed out")),
    (Category.CONVERSION_FAILED, ("ffmpeg", "moviepy", "convert")),
    (
        Category.STORAGE_FAILED,
        (
            "no space",
            "disk full",
            "disk is full",
            "read-only",
            "permission denied",
            "cannot save",
        ),
    ),
    (
        Category.ANALYSIS_FAILED,
        ("face", "emotion", "model", "tensorflow", "tflite", "tracker", "cascade"),
    ),
]


class StorageError(Exception):
    """A result or file could not be written."""


@dataclass(frozen=True)
class Classification:
    category: str
    user_message: str
    is_transient: bool


def classify(exc: BaseException) -> Classification:
    category = _category_from_type(exc) or _category_from_message(str(exc))
    user_message = getattr(exc, "user_message", "") or USER_MESSAGES[category]
    return Classification(category, user_message, TRANSIENT[category])


def _category_from_type(exc: BaseException) -> str | None:
    # Imported here so that the classifier loads without OpenCV or ffmpeg.
    from vision.errors import AnalysisError, ConversionError, InvalidMediaError

    if isinstance(exc, (TimeoutError, subprocess.TimeoutExpired)):
        return Category.TIMEOUT
    if type(exc).__name__ == "TimeoutException":
        # django-q2's hard timeout, raised when the cluster stops a task.
        return Category.TIMEOUT
    if isinstance(exc, InvalidMediaError):
        return Category.INVALID_MEDIA
    if isinstance(exc, ConversionError):
        return Category.CONVERSION_FAILED
    if isinstance(exc, AnalysisError):
        return Category.ANALYSIS_FAILED
    if isinstance(exc, StorageError):
        return Category.STORAGE_FAILED
    if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
        return Category.STORAGE_FAILED
    if type(exc).__module__.startswith("cv2"):
        return Category.ANALYSIS_FAILED
    return None


def _category_from_message(message: str) -> str:
    lowered = message.lower()
    for category, words in MESSAGE_WORDS:
        if any(word in lowered for word in words):
            return category
    return Category.UNKNOWN
