"""Accept uploaded files for analyses and reactions.

Shared by the JSON API and the upload form, so both apply the same size
limit and create the same rows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction

from analyses.models import Analysis
from analyses.storage import display_name
from jobs.models import Job
from jobs.queue import create_job

# Multipart bodies carry a few hundred bytes of headers around the file.
MULTIPART_OVERHEAD = 64 * 1024


class UploadTooLarge(Exception):
    def __init__(self) -> None:
        limit_mb = settings.MAX_UPLOAD_BYTES / (1024 * 1024)
        super().__init__(
            f"The file is larger than the upload limit of {limit_mb:g} MB. "
            "Upload a shorter or more compressed file."
        )


class EmptyUpload(Exception):
    def __init__(self) -> None:
        super().__init__("The file is empty. Choose a video or image file and retry.")


def check_declared_size(request) -> None:
    """Reject a request whose declared body size is over the limit, before
    Django reads and stores any of it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
        raise UploadTooLarge()


class UploadLimitHandler(FileUploadHandler):
    """Stop storing a request's files once they pass MAX_UPLOAD_BYTES.

    This covers bodies sent without a Content-Length (chunked), which
    `check_declared_size` cannot judge. The rest of the body is read and
    discarded, so the view can still respond with 413 and a message.
    """

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def check_received_size(request) -> None:
    """Raise UploadTooLarge if `UploadLimitHandler` stopped this request's
    upload; call it after the body has been parsed."""
    django_request = getattr(request, "_request", request)
    if getattr(django_request, "upload_too_large", False):
        raise UploadTooLarge()


def check_file(upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    if not upload.size:
        raise EmptyUpload()


def sniff_extension(upload: UploadedFile) -> str:
    """Return a file extension for the upload, chosen from its first bytes.

    The client's file name and content type are never trusted, because the
    stored extension decides the Content-Type that the media view sends.
    An HTML page named `clip.mp4` must not come back as a video, nor a
    video named `page.html` as a page. Anything unrecognised is stored as
    `.bin`, and the worker's probe decides what it is.
    """
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)

    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ".webm"
    if head[4:8] == b"ftyp":
        return ".mov" if head[8:12] == b"qt  " else ".mp4"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return ".avi"
    return ".bin"


def create_analysis(owner, upload: UploadedFile, sample_rate: float | None = None):
    """Store the upload, create its analysis and queue its job."""
    check_file(upload)
    rate = sample_rate or settings.SAMPLE_RATE

    analysis = Analysis(
        owner=owner,
        original_name=display_name(upload.name or "upload"),
        size=upload.size,
        sample_rate=rate,
    )
    analysis.video.save(f"source{sniff_extension(upload)}", upload, save=False)
    try:
        with transaction.atomic():
            analysis.save()
            job = create_job(
                job_type=Job.Type.VIDEO_ANALYSIS,
                analysis=analysis,
                payload={"sample_rate": rate},
            )
    except BaseException:
        analysis.delete_files()
        raise

    return analysis, job


def create_reaction(analysis, recorded_by, upload: UploadedFile, offset: float):
    from reactions.models import Reaction

    check_file(upload)

    reaction = Reaction(
        analysis=analysis,
        recorded_by=recorded_by,
        size=upload.size,
        offset=offset,
        sample_rate=analysis.sample_rate,
    )
    reaction.recording.save(f"recording{sniff_extension(upload)}", upload, save=False)
    try:
        with transaction.atomic():
            reaction.save()
            job = create_job(
                job_type=Job.Type.REACTION,
                analysis=analysis,
                reaction=reaction,
                payload={"sample_rate": analysis.sample_rate, "offset": offset},
            )
    except BaseException:
        reaction.delete_files()
        raise

    return reaction, job
