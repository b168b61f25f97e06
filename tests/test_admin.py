"""The job admin: filters, read-only fields and the retry action."""

from __future__ import annotations

import os

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from jobs.models import Job
from tests.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model) -> Client:
    client = Client()
    client.force_login(
        django_user_model.objects.create_superuser("root", password="root-password")
    )
    return client


@pytest.fixture
def failed_and_completed(api, media_dir, run_jobs, tmp_path) -> tuple[int, int]:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(5_000))
    failed = upload(api, junk).json()["job_id"]
    completed = upload(api, media_dir / "no-faces.jpg").json()["job_id"]
    run_jobs()
    return failed, completed


def test_retry_action_requeues_failed_and_skips_others(staff, failed_and_completed):
    failed, completed = failed_and_completed
    action = {"action": "retry_selected", "_selected_action": [failed, completed]}

    response = staff.post("/admin/jobs/job/", action, follow=True)

    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert Job.objects.get(pk=failed).status == "queued"
    assert Job.objects.get(pk=completed).status == "completed"
    assert "Queued 1 job(s) again." in texts
    assert "Skipped 1 job(s) that had not failed." in texts


def test_retry_action_with_status_filter_reports_no_skips(staff, failed_and_completed):
    failed, _ = failed_and_completed
    action = {"action": "retry_selected", "_selected_action": [failed]}

    response = staff.post("/admin/jobs/job/?status__exact=failed", action, follow=True)

    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert texts == ["Queued 1 job(s) again."]


def test_job_list_filters_and_search(staff, failed_and_completed):
    failed, completed = failed_and_completed

    by_status = staff.get("/admin/jobs/job/", {"status__exact": "failed"})
    by_type = staff.get("/admin/jobs/job/", {"job_type__exact": "reaction"})
    searched = staff.get("/admin/jobs/job/", {"q": "junk"})

    assert by_status.status_code == 200
    assert list(by_status.context["cl"].result_list) == [Job.objects.get(pk=failed)]
    assert by_type.context["cl"].result_count == 0
    assert [job.pk for job in searched.context["cl"].result_list] == [failed]
    assert completed not in [job.pk for job in by_status.context["cl"].result_list]


def test_job_page_shows_error_and_payload_read_only(staff, failed_and_completed):
    failed, _ = failed_and_completed

    response = staff.get(f"/admin/jobs/job/{failed}/change/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Traceback" in content
    assert "sample_rate" in content
    assert 'name="error"' not in content
    assert 'name="payload"' not in content
