"""Awkward and broken uploads: each ends in a result or a clear failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyses.models import Analysis
from jobs.models import Job
from jobs.runner import JobContext
from tests.conftest import ffmpeg, upload, wait_for

CLIP_SECONDS = "2"


@pytest.fixture(scope="session")
def corpus(media_dir, tmp_path_factory):
    """Build the named bad or awkward input on first use; return its path."""
    folder = tmp_path_factory.mktemp("corpus")
    source = str(media_dir / "talking-woman.mp4")
    clip = ["-i", source, "-t", CLIP_SECONDS, "-an"]
    recipes = {
        "text.mp4": lambda path: path.write_text(
            "This is a shopping list, not a video.\n"
        ),
        "audio-only.m4a": lambda path: ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
            "-c:a",
            "aac",
            str(path),
        ),
        "no-duration.webm": lambda path: ffmpeg(
            *clip,
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "1M",
            "-f",
            "webm",
            "-live",
            "1",
            str(path),
        ),
        "rotated.mp4": lambda path: make_rotated(path, source, folder),
        "10-bit.mp4": lambda path: ffmpeg(
            *clip, "-c:v", "libx264", "-pix_fmt", "yuv420p10le", str(path)
        ),
        "gray.mkv": lambda path: ffmpeg(
            *clip, "-c:v", "ffv1", "-pix_fmt", "gray", str(path)
        ),
        "4k.mp4": lambda path: ffmpeg(
            "-i",
            source,
            "-t",
            "1",
            "-an",
            "-vf",
            "scale=3840:2160",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(path),
        ),
        # 20 frames at 10 fps, then 40 at 30 fps: 3.3 s in all.
        "variable-rate.mkv": lambda path: ffmpeg(
            "-t",
            CLIP_SECONDS,
            "-i",
            source,
            "-an",
            "-vf",
            "setpts='if(lt(N,20),N/10,2+(N-20)/30)/TB'",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            str(path),
        ),
        "no-faces.mp4": lambda path: ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25:duration=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ),
    }

    def truncate_half(path: Path) -> None:
        # ffmpeg writes the moov index at the end, so the first half has none.
        whole = folder / "whole.mp4"
        ffmpeg(*clip, "-c", "copy", str(whole))
        data = whole.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    recipes["truncated.mp4"] = truncate_half

    def build(name: str) -> Path:
        path = folder / name
        if not path.exists():
            recipes[name](path)
        return path

    return build


def make_rotated(path: Path, source: str, folder: Path) -> None:
    """A phone-style file: pixels stored on their side, metadata to turn them."""
    sideways = folder / "sideways.mp4"
    ffmpeg(
        "-i",
        source,
        "-t",
        CLIP_SECONDS,
        "-an",
        "-vf",
        "transpose=clock",
        "-c:v",
        "libx264",
        str(sideways),
    )
    ffmpeg("-display_rotation", "90", "-i", str(sideways), "-c", "copy", str(path))


@pytest.fixture
def progress_reports(monkeypatch) -> list[float]:
    """Every fraction the handlers report, before the runner clamps it."""
    reports: list[float] = []
    original = JobContext.report_progress

    def record(self, fraction):
        reports.append(fraction)
        original(self, fraction)

    monkeypatch.setattr(JobContext, "report_progress", record)
    return reports


def analyse(api, run_jobs, path: Path, name: str | None = None) -> tuple[Job, Analysis]:
    response = upload(api, path, name=name)
    assert response.status_code == 202, response.content
    run_jobs()
    job = Job.objects.get(pk=response.json()["job_id"])
    return job, job.analysis


FAILURES = [
    ("text.mp4", "not a video or image"),
    ("truncated.mp4", "incomplete"),
    ("audio-only.m4a", "audio only"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "words"), FAILURES)
def test_unreadable_file_fails_clearly(api, run_jobs, corpus, media_dir, name, words):
    job, analysis = analyse(api, run_jobs, corpus(name))
    next_job, _ = analyse(api, run_jobs, media_dir / "smiling-man.jpg")

    assert job.status == "failed"
    assert job.error_category == "invalid_media"
    assert job.is_transient is False
    assert words in job.error_user_message
    assert "Traceback" not in job.error_user_message
    assert job.error
    assert analysis.video.storage.exists(analysis.video.name)
    assert next_job.status == "completed"


@pytest.mark.django_db
def test_empty_file_is_rejected_with_a_message(api, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")

    response = upload(api, empty)

    assert response.status_code == 400
    assert "empty" in response.json()["file"][0]
    assert not Analysis.objects.exists()


# OpenCV reports a frame count of about -2.8e17 for no-duration.webm,
# which has no duration in its header either; progress must still stay
# within 0..1.
READABLE = [
    # name, expected width, expected minimum share of samples with a face
    ("no-duration.webm", 596, 0.8),
    ("rotated.mp4", 596, 0.8),
    ("10-bit.mp4", 596, 0.8),
    ("gray.mkv", 596, 0.8),
    ("4k.mp4", 3840, 0.8),
    ("variable-rate.mkv", 596, 0.8),
    ("no-faces.mp4", 320, 0.0),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "width", "face_share"), READABLE)
def test_awkward_video_is_analysed(
    api, run_jobs, corpus, progress_reports, name, width, face_share
):
    job, analysis = analyse(api, run_jobs, corpus(name))

    assert job.status == "completed", job.error
    assert analysis.media_kind == "video"
    assert analysis.width == width
    summary = analysis.summary
    assert summary["samples"] >= 4
    if name == "variable-rate.mkv":
        assert 15 <= summary["samples"] <= 18
    assert summary["samples_with_face"] >= face_share * summary["samples"]
    if face_share == 0:
        assert summary["samples_with_face"] == 0
    times = [sample["time"] for sample in analysis.timeline]
    assert times == sorted(times)
    assert all(0.0 <= fraction <= 1.0 for fraction in progress_reports)
    assert job.progress == 1.0


@pytest.mark.django_db
def test_rotated_video_faces_are_upright(api, run_jobs, corpus):
    _, analysis = analyse(api, run_jobs, corpus("rotated.mp4"))

    assert (analysis.width, analysis.height) == (596, 336)
    boxes = [
        sample["faces"][0]["box"] for sample in analysis.timeline if sample["faces"]
    ]
    assert all(x + w <= 596 and y + h <= 336 for x, y, w, h in boxes)


@pytest.mark.django_db
def test_type_comes_from_content_not_name(api, run_jobs, media_dir):
    video_job, video = analyse(
        api, run_jobs, media_dir / "talking-woman.mp4", name="holiday.jpg"
    )
    image_job, image = analyse(
        api, run_jobs, media_dir / "smiling-man.jpg", name="clip.mp4"
    )

    assert video_job.status == "completed", video_job.error
    assert video.media_kind == "video"
    assert video.video.name.endswith("/source.mp4")
    assert image_job.status == "completed", image_job.error
    assert image.media_kind == "image"
    assert image.video.name.endswith("/source.jpg")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "client_name",
    [
        "Ünïcødé clip 🎬.mp4",
        "../../etc/passwd",
        "..\\..\\windows\\clip.mp4",
        'it\'s a "quoted" name.mp4',
        "/absolute/path/clip.mp4",
    ],
)
def test_odd_file_name_is_stored_safely(api, run_jobs, media_dir, client_name):
    job, analysis = analyse(
        api, run_jobs, media_dir / "smiling-man.jpg", name=client_name
    )

    assert job.status == "completed", job.error
    assert analysis.video.name.startswith("analyses/")
    assert analysis.video.name.endswith("/source.jpg")
    assert ".." not in analysis.video.name
    assert "/" not in analysis.original_name
    assert "\\" not in analysis.original_name
    assert analysis.original_name


@pytest.mark.django_db
def test_upload_over_the_limit_is_rejected_unstored(api, settings, tmp_path, data_dir):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    large = tmp_path / "large.mp4"
    large.write_bytes(b"\0" * (3 * 1024 * 1024 // 2))

    response = upload(api, large)

    assert response.status_code == 413
    assert "larger than the upload limit of 1 MB" in response.json()["detail"]
    assert not Analysis.objects.exists()
    assert not any(path.is_file() for path in (data_dir / "media").rglob("*"))


@pytest.mark.cluster
def test_worker_survives_broken_files(api, media_dir, corpus, cluster):
    broken = [upload(api, corpus(name)).json()["job_id"] for name, _ in FAILURES]
    good = upload(api, media_dir / "smiling-man.jpg").json()["job_id"]

    cluster.start()
    wait_for(
        lambda: Job.objects.get(pk=good).is_finished,
        timeout=90,
        message="the good job after the broken ones did not finish",
    )

    assert list(Job.objects.filter(pk__in=broken).values_list("status", flat=True)) == [
        "failed"
    ] * len(broken)
    assert Job.objects.get(pk=good).status == "completed"
    assert cluster.is_running
