"""The failure classifier: type first, message words as a fallback."""

from __future__ import annotations

import errno
import subprocess

import pytest

from jobs.errors import StorageError, classify
from jobs.runner import JobTimeout
from vision.errors import AnalysisError, ConversionError, InvalidMediaError


@pytest.mark.parametrize(
    ("exc", "category", "transient"),
    [
        (JobTimeout("job 3 ran 901 s"), "timeout", True),
        (TimeoutError(), "timeout", True),
        (subprocess.TimeoutExpired(["ffmpeg"], 30), "timeout", True),
        (ConversionError("ffmpeg exited with 1"), "conversion_failed", True),
        (OSError(errno.ENOSPC, "No space left on device"), "storage_failed", False),
        (PermissionError(errno.EACCES, "Permission denied"), "storage_failed", False),
        (StorageError("saving failed"), "storage_failed", False),
        (AnalysisError("interpreter failed"), "analysis_failed", True),
        (InvalidMediaError("moov atom not found"), "invalid_media", False),
        (KeyError("surprise"), "unknown", False),
    ],
)
def test_classify_by_type(exc, category, transient):
    outcome = classify(exc)

    assert outcome.category == category
    assert outcome.is_transient is transient
    assert outcome.user_message


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("operation timeout after 30s", "timeout"),
        ("ffmpeg returned 183", "conversion_failed"),
        ("moviepy could not read the clip", "conversion_failed"),
        ("could not convert stream", "conversion_failed"),
        ("database or disk is full", "storage_failed"),
        ("emotion model returned NaN", "analysis_failed"),
        ("tracker lost the face", "analysis_failed"),
        ("something odd", "unknown"),
    ],
)
def test_classify_by_message_words(message, category):
    assert classify(RuntimeError(message)).category == category


def test_type_wins_over_message_words():
    outcome = classify(ConversionError("timeout while reading the face model"))

    assert outcome.category == "conversion_failed"


def test_user_message_of_media_error_is_kept():
    outcome = classify(InvalidMediaError("no video stream", user_message="Audio only."))

    assert outcome.user_message == "Audio only."


def test_every_category_has_a_plain_message():
    for exc in (TimeoutError(), StorageError("x"), KeyError("x")):
        message = classify(exc).user_message
        assert "Traceback" not in message
        assert message.endswith(".")
