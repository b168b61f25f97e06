"""Uploading through the JSON API and reading results back, with the real model."""

from __future__ import annotations

import os

import pytest

from analyses.models import Analysis
from jobs.models import Job
from tests.conftest import upload

pytestmark = pytest.mark.django_db


def test_upload_returns_202_with_ids(api, media_dir):
    response = upload(api, media_dir / "smiling-man.jpg")

    assert response.status_code == 202
    body = response.json()
    job = Job.objects.get(pk=body["job_id"])
    assert job.analysis_id == body["analysis_id"]
    assert job.status == Job.Status.QUEUED
    assert job.job_type == Job.Type.VIDEO_ANALYSIS


def test_talking_woman_timeline_has_faces(api, media_dir, run_jobs):
    response = upload(api, media_dir / "talking-woman.mp4")
    analysis_id = response.json()["analysis_id"]

    run_jobs()

    result = api.get(f"/analyses/{analysis_id}").json()
    assert result["status"] == "completed"
    assert result["sample_rate"] == 5
    assert 15.3 < result["duration"] < 15.6
    assert 75 <= len(result["timeline"]) <= 79
    with_face = [sample for sample in result["timeline"] if sample["faces"]]
    assert len(with_face) >= 0.95 * len(result["timeline"])
    assert result["summary"]["samples"] == len(result["timeline"])
    assert result["summary"]["samples_with_face"] == len(with_face)
    assert result["summary"]["dominant"] == "happy"
    shares = result["summary"]["shares"]
    leading = sorted(shares, key=shares.get, reverse=True)[:3]
    assert leading[0] == "happy"
    assert set(leading[1:]) <= {"neutral", "fear", "surprise"}


def test_timeline_sample_has_documented_shape(api, media_dir, run_jobs):
    analysis_id = upload(api, media_dir / "smiling-man.jpg").json()["analysis_id"]

    run_jobs()

    sample = api.get(f"/analyses/{analysis_id}").json()["timeline"][0]
    assert sample["time"] == 0.0
    face = sample["faces"][0]
    assert len(face["box"]) == 4
    assert all(isinstance(value, int) for value in face["box"])
    assert set(face["emotions"]) == {
        "angry",
        "disgust",
        "fear",
        "happy",
        "sad",
        "surprise",
        "neutral",
    }


def test_smiling_man_is_happy(api, media_dir, run_jobs):
    analysis_id = upload(api, media_dir / "smiling-man.jpg").json()["analysis_id"]

    run_jobs()

    result = api.get(f"/analyses/{analysis_id}").json()
    assert result["status"] == "completed"
    assert result["media_kind"] == "image"
    assert len(result["timeline"]) == 1
    faces = result["timeline"][0]["faces"]
    assert len(faces) == 1
    assert faces[0]["emotions"]["happy"] > 0.8
    assert result["summary"]["dominant"] == "happy"


def test_no_faces_image_completes_without_faces(api, media_dir, run_jobs):
    analysis_id = upload(api, media_dir / "no-faces.jpg").json()["analysis_id"]

    run_jobs()

    result = api.get(f"/analyses/{analysis_id}").json()
    assert result["status"] == "completed"
    assert result["timeline"][0]["faces"] == []
    assert result["summary"]["samples_with_face"] == 0
    assert result["summary"]["dominant"] is None


def test_results_keep_model_provenance(api, media_dir, run_jobs):
    analysis_id = upload(api, media_dir / "smiling-man.jpg").json()["analysis_id"]

    run_jobs()

    model = api.get(f"/analyses/{analysis_id}").json()["model"]
    assert model["name"] == "fer"
    assert model["version"] == "25.10.3"


def test_random_bytes_fail_clearly_and_queue_goes_on(
    api, media_dir, run_jobs, tmp_path
):
    junk = tmp_path / "holiday.mp4"
    junk.write_bytes(os.urandom(50_000))
    bad = upload(api, junk).json()
    good = upload(api, media_dir / "smiling-man.jpg").json()

    run_jobs()

    bad_job = api.get(f"/queue/jobs/{bad['job_id']}").json()
    assert bad_job["status"] == "failed"
    assert bad_job["category"] == "invalid_media"
    assert bad_job["transient"] is False
    assert "video or image" in bad_job["error_user_message"]
    assert "Traceback" not in bad_job["error_user_message"]
    assert bad_job["error"]
    assert Analysis.objects.get(pk=bad["analysis_id"]).video.storage.exists(
        Analysis.objects.get(pk=bad["analysis_id"]).video.name
    )
    good_job = api.get(f"/queue/jobs/{good['job_id']}").json()
    assert good_job["status"] == "completed"


def test_empty_file_is_rejected(api, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")

    response = upload(api, empty)

    assert response.status_code == 400
    assert "file" in response.json()
    assert Analysis.objects.count() == 0


def test_upload_over_the_limit_is_refused(api, settings, tmp_path):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    large = tmp_path / "large.mp4"
    large.write_bytes(b"\0" * (2 * 1024 * 1024))

    response = upload(api, large)

    assert response.status_code == 413
    assert "upload limit of 1 MB" in response.json()["detail"]
    assert Analysis.objects.count() == 0


def test_upload_without_file_names_the_field(api):
    response = api.post("/analyze", {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_stored_name_ignores_client_path(api, media_dir):
    response = upload(
        api, media_dir / "smiling-man.jpg", name='../../etc/évil "name".jpg'
    )

    analysis = Analysis.objects.get(pk=response.json()["analysis_id"])
    assert analysis.video.name.startswith("analyses/")
    assert analysis.video.name.endswith("/source.jpg")
    assert ".." not in analysis.video.name
    assert analysis.original_name == 'évil "name".jpg'


def test_analysis_list_is_paginated_and_own(api, outsider_api, media_dir):
    upload(api, media_dir / "smiling-man.jpg")

    mine = api.get("/analyses").json()
    theirs = outsider_api.get("/analyses").json()

    assert mine["count"] == 1
    assert "timeline" not in mine["results"][0]
    assert theirs["count"] == 0


def test_upload_past_limit_within_declared_slack_is_413(api, settings, tmp_path):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    # Over the limit, but by less than the multipart allowance that the
    # Content-Length check gives, so only the upload handler can catch it.
    large = tmp_path / "large.mp4"
    large.write_bytes(b"\0" * (1024 * 1024 + 10_000))

    response = upload(api, large)

    assert response.status_code == 413
    assert "upload limit of 1 MB" in response.json()["detail"]
    assert response.wsgi_request.upload_too_large is True
    assert Analysis.objects.count() == 0


def test_sample_rate_that_is_not_finite_is_400(api, media_dir):
    response = upload(api, media_dir / "smiling-man.jpg", sample_rate="nan")

    assert response.status_code == 400
    assert response.json()["sample_rate"] == ["A finite number is required."]
    assert Analysis.objects.count() == 0
