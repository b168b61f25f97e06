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
    # ffmpeg 7 outputs no frame at all for a still image given "-ss 0".
    seek = ["-ss", f"{at_seconds:.3f}"] if at_seconds > 0 else []
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        *seek,
        "-i",
        source,
        "-frames:v",
        "1",
        "-update",
        "1",
        "-vf",
        f"scale={THUMBNAIL_WIDTH}:-2",
        str(target),
    ]
    try:
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            timeout=30,
            start_new_session=True,
        )
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

    Files are written first; if a write or the database update fails, every
    file written so far, a partly written one included, is removed again,
    so a half-written result never looks complete. Raises StorageError.
    """
    written: list[tuple] = []
    try:
        for name, path in files.items():
            written.append(_save_file(getattr(instance, name), path))

        for name, value in fields.items():
            setattr(instance, name, value)
        instance.summary = result.summary
        instance.timeline = result.timeline
        instance.model_info = result.model
        instance.sample_rate = result.sample_rate

        with transaction.atomic():
            # An UPDATE only: a plain save() would insert the row again if
            # it was deleted while the job ran.
            instance.save(force_update=True)
    except (OSError, DatabaseError) as exc:
        for storage, stored_name in written:
            storage.delete(stored_name)
        raise StorageError(f"Saving the results of {instance!r} failed: {exc}") from exc
    finally:
        for path in files.values():
            path.unlink(missing_ok=True)


def _save_file(field, path: Path) -> tuple:
    """Write `path` to a FileField's storage; return the storage and stored name.

    The name is chosen before writing, so that a write that fails midway,
    as on a full disk, leaves a name to delete.
    """
    storage = field.storage
    stored_name = storage.get_available_name(
        field.field.generate_filename(field.instance, path.name),
        max_length=field.field.max_length,
    )
    try:
        with path.open("rb") as handle:
            saved_name = storage.save(stored_name, File(handle))
    except OSError:
        if storage.exists(stored_name):
            storage.delete(stored_name)
        raise

    field.name = saved_name
    setattr(field.instance, field.field.attname, saved_name)
    return storage, saved_name
