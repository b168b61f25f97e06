"""Posting a webcam recording and reading the reaction back."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.models import Job
from reactions.models import Reaction
from tests.conftest import ffmpeg, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def recording(media_dir, tmp_path_factory) -> Path:
    """A 2 s VP8 WebM written the way MediaRecorder does: no duration."""
    path = tmp_path_factory.mktemp("recordings") / "reaction.webm"
    ffmpeg(
        "-i", str(media_dir / "talking-woman.mp4"), "-t", "2", "-an",
        "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
        "-f", "webm", "-live", "1", str(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def odd_sized_recording(media_dir, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("recordings") / "odd.webm"
    ffmpeg(
        "-i", str(media_dir / "talking-woman.mp4"), "-t", "2", "-an",
        "-vf", "scale=321:241", "-c:v", "libvpx", "-deadline", "realtime",
        "-cpu-used", "8", str(path),
    )  # fmt: skip
    return path


@pytest.fixture
def analysis_id(api, media_dir) -> int:
    return upload(api, media_dir / "smiling-man.jpg").json()["analysis_id"]


def post_reaction(client, analysis_id: int, path: Path, offset: float):
    with path.open("rb") as handle:
        return client.post(
            f"/reactions/{analysis_id}",
            {"file": handle, "offset": offset},
            format="multipart",
        )


def test_reaction_post_returns_202_with_ids(api, analysis_id, recording):
    response = post_reaction(api, analysis_id, recording, offset=4.5)

    assert response.status_code == 202
    body = response.json()
    job = Job.objects.get(pk=body["queue_job_id"])
    assert body["job"]["id"] == job.pk
    assert body["job"]["status"] == "queued"
    assert job.job_type == "reaction"
    assert job.reaction_id == body["reaction_id"]
    assert job.payload["offset"] == 4.5


def test_reaction_timeline_starts_at_the_offset(api, analysis_id, recording, run_jobs):
    reaction_id = post_reaction(api, analysis_id, recording, offset=4.5).json()[
        "reaction_id"
    ]

    run_jobs()

    body = api.get(f"/reactions/{reaction_id}").json()
    assert body["status"] == "completed", body["job"]["error"]
    assert body["analysis_id"] == analysis_id
    times = [sample["time"] for sample in body["timeline"]]
    assert times[0] == 4.5
    assert 6.0 <= times[-1] < 6.6
    with_face = [sample for sample in body["timeline"] if sample["faces"]]
    assert len(with_face) >= 0.8 * len(times)
    assert body["summary"]["samples"] == len(times)


def test_odd_sized_recording_is_converted(
    api, analysis_id, odd_sized_recording, run_jobs
):
    reaction_id = post_reaction(api, analysis_id, odd_sized_recording, offset=0).json()[
        "reaction_id"
    ]

    run_jobs()

    reaction = Reaction.objects.get(pk=reaction_id)
    assert reaction.status == "completed", reaction.job.error
    assert reaction.width % 2 == 0
    assert reaction.height % 2 == 0
    assert reaction.converted.storage.exists(reaction.converted.name)
    assert reaction.summary["samples_with_face"] > 0


def test_outsider_cannot_post_or_read_reactions(
    api, outsider_api, analysis_id, recording, run_jobs
):
    reaction_id = post_reaction(api, analysis_id, recording, offset=0).json()[
        "reaction_id"
    ]

    posted = post_reaction(outsider_api, analysis_id, recording, offset=0)
    read = outsider_api.get(f"/reactions/{reaction_id}")

    assert posted.status_code == 404
    assert read.status_code == 404
    assert Reaction.objects.count() == 1


def test_reaction_without_file_is_400(api, analysis_id):
    response = api.post(f"/reactions/{analysis_id}", {"offset": 1}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_negative_offset_is_400(api, analysis_id, recording):
    response = post_reaction(api, analysis_id, recording, offset=-1)

    assert response.status_code == 400
    assert "offset" in response.json()


@pytest.mark.parametrize("offset", ["nan", "inf"])
def test_offset_that_is_not_finite_is_400(api, analysis_id, recording, offset):
    response = post_reaction(api, analysis_id, recording, offset=offset)

    assert response.status_code == 400
    assert "A finite number is required." in response.json()["offset"]
    assert Reaction.objects.count() == 0


def test_offset_past_the_video_is_400(api, media_dir, recording, run_jobs):
    analysis_id = upload(api, media_dir / "talking-woman.mp4").json()["analysis_id"]
    run_jobs()

    response = post_reaction(api, analysis_id, recording, offset=60)

    assert response.status_code == 400
    assert "within the video's 15.4" in response.json()["offset"][0]
    assert Reaction.objects.count() == 0


def test_reaction_to_failed_analysis_is_409(api, recording, run_jobs, tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 100)
    analysis_id = upload(api, junk).json()["analysis_id"]
    run_jobs()

    response = post_reaction(api, analysis_id, recording, offset=0)

    assert response.status_code == 409
    assert "failed" in response.json()["detail"]
    assert Reaction.objects.count() == 0


def test_offset_over_a_day_is_400(api, media_dir, recording):
    analysis_id = upload(api, media_dir / "talking-woman.mp4").json()["analysis_id"]

    response = post_reaction(api, analysis_id, recording, offset=1e9)

    assert response.status_code == 400
    assert "offset" in response.json()
    assert Reaction.objects.count() == 0


def test_reaction_to_image_analysis_is_409(api, analysis_id, recording, run_jobs):
    run_jobs()

    response = post_reaction(api, analysis_id, recording, offset=0)

    assert response.status_code == 409
    assert "image" in response.json()["detail"]
    assert Reaction.objects.count() == 0
