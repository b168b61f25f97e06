"""Errors raised by the media code, each with a message a person can act on.

`str(error)` contains the technical detail for logs and the job's `error`
field. `error.user_message` is the short text shown in pages and the API.
A deadline that passes raises Python's built-in `TimeoutError` instead.
"""

from __future__ import annotations


class MediaError(Exception):
    """Base class for failures to read, convert or analyse a media file."""

    default_user_message = "The file could not be processed. Please try again."

    def __init__(self, detail: str, user_message: str | None = None) -> None:
        super().__init__(detail)
        self.user_message = user_message or self.default_user_message


class InvalidMediaError(MediaError):
    """The file is not a readable video or image: empty, truncated, audio only."""

    default_user_message = (
        "This file is not a video or image we can read. "
        "Please upload an MP4, WebM, MOV, JPEG or PNG file."
    )


class ConversionError(MediaError):
    """ffmpeg failed to convert or decode a file that probed as a video."""

    default_user_message = (
        "The video could not be converted. Please retry; if it fails again, "
        "export or record it once more and upload the new file."
    )


class AnalysisError(MediaError):
    """The face detector or the emotion model failed."""

    default_user_message = (
        "The analyser ran into a problem with this file. Please try again."
    )
