"""The job queue API: listing, filters, retry and who may see what."""

from __future__ import annotations

import os

import pytest
from rest_framework.test import APIClient

from jobs.models import Job
from tests.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_job(api, run_jobs, tmp_path) -> Job:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(10_000))
    job_id = upload(api, junk).json()["job_id"]
    run_jobs()
    return Job.objects.get(pk=job_id)


def test_jobs_list_newest_first(api, media_dir):
    first = upload(api, media_dir / "smiling-man.jpg").json()["job_id"]
    second = upload(api, media_dir / "no-faces.jpg").json()["job_id"]

    body = api.get("/queue/jobs").json()

    assert [job["id"] for job in body["results"]] == [second, first]
    assert body["count"] == 2


def test_jobs_list_filters(api, media_dir, failed_job):
    upload(api, media_dir / "smiling-man.jpg")

    failed = api.get("/queue/jobs", {"status": "failed"}).json()
    by_type = api.get("/queue/jobs", {"job_type": "reaction"}).json()
    by_analysis = api.get("/queue/jobs", {"analysis_id": failed_job.analysis_id}).json()

    assert [job["id"] for job in failed["results"]] == [failed_job.pk]
    assert by_type["count"] == 0
    assert [job["id"] for job in by_analysis["results"]] == [failed_job.pk]


def test_jobs_list_rejects_unknown_status(api):
    response = api.get("/queue/jobs", {"status": "sleeping"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_job_detail_fields(api, failed_job):
    body = api.get(f"/queue/jobs/{failed_job.pk}").json()

    for field in (
        "status",
        "job_type",
        "analysis_id",
        "reaction_id",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "progress",
        "error",
        "error_user_message",
        "category",
        "transient",
    ):
        assert field in body
    assert body["attempts"] == 1


def test_retry_requeues_failed_job_with_its_upload(api, failed_job, run_jobs):
    response = api.post(f"/queue/jobs/{failed_job.pk}/retry")

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    failed_job.refresh_from_db()
    assert failed_job.error == ""
    assert failed_job.analysis.status == "queued"
    run_jobs()
    failed_job.refresh_from_db()
    assert failed_job.status == "failed"
    assert failed_job.attempts == 2


def test_retry_of_job_not_failed_is_409(api, media_dir):
    job_id = upload(api, media_dir / "smiling-man.jpg").json()["job_id"]

    response = api.post(f"/queue/jobs/{job_id}/retry")

    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


def test_second_retry_does_not_queue_twice(api, failed_job):
    first = api.post(f"/queue/jobs/{failed_job.pk}/retry")
    second = api.post(f"/queue/jobs/{failed_job.pk}/retry")

    assert first.status_code == 202
    assert second.status_code == 409
    assert Job.objects.filter(status="queued").count() == 1


def test_outsider_cannot_see_or_retry_job(outsider_api, failed_job):
    assert outsider_api.get(f"/queue/jobs/{failed_job.pk}").status_code == 404
    assert outsider_api.post(f"/queue/jobs/{failed_job.pk}/retry").status_code == 404
    assert outsider_api.get("/queue/jobs").json()["count"] == 0
    assert outsider_api.get(f"/analyses/{failed_job.analysis_id}").status_code == 404
    failed_job.refresh_from_db()
    assert failed_job.status == "failed"


def test_anonymous_api_calls_are_refused(failed_job):
    client = APIClient()

    for path in (
        "/queue/jobs",
        f"/queue/jobs/{failed_job.pk}",
        f"/analyses/{failed_job.analysis_id}",
    ):
        assert client.get(path).status_code in (401, 403)
    assert client.post(f"/queue/jobs/{failed_job.pk}/retry").status_code in (401, 403)
    assert client.post("/analyze", {}).status_code in (401, 403)


def test_missing_job_is_404(api):
    assert api.get("/queue/jobs/999999").status_code == 404
    assert api.post("/queue/jobs/999999/retry").status_code == 404


def test_token_authentication_works(owner, failed_job):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get(f"/queue/jobs/{failed_job.pk}").status_code == 200


def test_openapi_schema_is_served(api):
    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert b"/queue/jobs/{id}/retry" in response.content


def test_openapi_schema_and_docs_need_sign_in(db):
    client = APIClient()

    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code in (401, 403)
    assert docs.status_code in (302, 401, 403)


def test_job_serializers_match_drf_fields(failed_job, media_dir, api, run_jobs):
    from rest_framework import serializers

    from jobs.serializers import JobDetailSerializer, JobSerializer

    upload(api, media_dir / "smiling-man.jpg")
    run_jobs()
    upload(api, media_dir / "smiling-man.jpg")
    jobs = list(Job.objects.all())
    statuses = {job.status for job in jobs}
    assert statuses == {"failed", "completed", "queued"}

    for job in jobs:
        for fast in (JobSerializer, JobDetailSerializer):
            # The same fields through DRF's own field-by-field path.
            drf_path = serializers.ModelSerializer.to_representation
            assert fast(job).data == dict(drf_path(fast(job), job))
