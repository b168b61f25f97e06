"""Write a finished analysis's results to the database and the disk."""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg
from django.core.files import File
from django.db import DatabaseError, transaction

from jobs.errors import StorageError

logger = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 320


def make_thumbnail(source: str, at_seconds: float) -> Path | None:
    """Grab one frame as a JPEG in a temporary file, or None if ffmpeg fails.

    A missing thumbnail never fails a job: the pages show a placeholder.
    """
    target = Path(tempfile.mkstemp(suffix=".jpg")[1])
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        "-ss",
        f"{max(at_seconds, 0.0):.3f}",
        "-i",
        source,
        "-frames:v",
        "1",
        "-vf",
        f"scale={THUMBNAIL_WIDTH}:-2",
        str(target),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    except (subprocess.SubprocessError, OSError) as exc:
        logger.warning("Thumbnail of %s failed: %s", source, exc)
        target.unlink(missing_ok=True)
        return None

    if target.stat().st_size == 0:
        target.unlink(missing_ok=True)
        return None
    return target


def save_results(instance, result, fields: dict, files: dict[str, Path]) -> None:
    """Store result fields and files on a model instance, all or nothing.

    Files are written first; if the database update fails they are
    removed again, so a half-written result never looks complete.
    """
    saved: list = []
    try:
        for name, path in files.items():
            field = getattr(instance, name)
            with path.open("rb") as handle:
                field.save(path.name, File(handle), save=False)
            saved.append(field)

        for name, value in fields.items():
            setattr(instance, name, value)
        instance.summary = result.summary
        instance.timeline = result.timeline
        instance.model_info = result.model
        instance.sample_rate = result.sample_rate

        with transaction.atomic():
            instance.save()
    except (OSError, DatabaseError) as exc:
        for field in saved:
            field.storage.delete(field.name)
        raise StorageError(f"Saving the results of {instance!r} failed: {exc}") from exc
    finally:
        for path in files.values():
            path.unlink(missing_ok=True)
