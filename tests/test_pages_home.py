"""The projects page: upload form, project cards and the queue widget."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analyses.models import Analysis
from analyses.uploads import create_analysis
from jobs.models import Job

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_analysis(user, name="clip.mp4"):
    return create_analysis(user, SimpleUploadedFile(name, b"not really a video"))


def set_status(job, status, **fields):
    Job.objects.filter(pk=job.pk).update(status=status, **fields)
    job.refresh_from_db()
    job.sync_subject_status()


def triggers(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_home_renders_for_owner(client, owner, data_dir):
    make_analysis(owner, "mine.mp4")
    client.force_login(owner)

    response = client.get("/")

    assert response.status_code == 200
    assert b"mine.mp4" in response.content
    assert b'id="upload-form"' in response.content
    assert b'id="queue-widget"' in response.content


def test_home_hides_other_peoples_analyses(client, owner, outsider, data_dir):
    make_analysis(owner, "mine.mp4")
    client.force_login(outsider)

    response = client.get("/")

    assert response.status_code == 200
    assert b"mine.mp4" not in response.content


def test_home_redirects_anonymous_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_pages_load_vendored_scripts_and_csrf_header(client, owner, data_dir):
    client.force_login(owner)

    page = client.get("/").content.decode()

    assert "/static/vendor/htmx-2.0.11.min.js" in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert "https://" not in page


def test_upload_stores_and_queues(client, owner, data_dir):
    client.force_login(owner)

    response = client.post(
        "/projects/upload",
        {"video": SimpleUploadedFile("talk.mp4", b"some bytes")},
        **HTMX,
    )

    assert response.status_code == 200
    analysis = Analysis.objects.get()
    assert analysis.owner == owner
    assert analysis.original_name == "talk.mp4"
    assert (data_dir / "media" / analysis.video.name).read_bytes() == b"some bytes"
    assert analysis.job.status == Job.Status.QUEUED
    events = triggers(response)
    assert "analysisCreated" in events
    assert "queueChanged" in events
    assert events["showToast"]["level"] == "success"
    assert b'id="upload-form"' in response.content


def test_upload_without_htmx_redirects_to_analysis(client, owner, data_dir):
    client.force_login(owner)

    response = client.post(
        "/projects/upload", {"video": SimpleUploadedFile("talk.mp4", b"bytes")}
    )

    analysis = Analysis.objects.get()
    assert response.status_code == 302
    assert response.url == f"/projects/{analysis.pk}/"


def test_upload_over_limit_is_rejected_with_413(client, owner, data_dir, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    client.force_login(owner)

    response = client.post(
        "/projects/upload",
        {"video": SimpleUploadedFile("big.mp4", b"x" * 2048)},
        **HTMX,
    )

    assert response.status_code == 413
    assert b"larger than the upload limit" in response.content
    assert b'class="field-errors"' in response.content
    assert not Analysis.objects.exists()


def test_upload_over_declared_size_is_rejected_with_413(
    client, owner, data_dir, settings
):
    settings.MAX_UPLOAD_BYTES = 1024
    client.force_login(owner)

    response = client.post(
        "/projects/upload",
        {"video": SimpleUploadedFile("huge.mp4", b"x" * 200_000)},
        **HTMX,
    )

    assert response.status_code == 413
    assert b"larger than the upload limit" in response.content
    assert not Analysis.objects.exists()


def test_upload_of_empty_file_is_rejected(client, owner, data_dir):
    client.force_login(owner)

    response = client.post(
        "/projects/upload", {"video": SimpleUploadedFile("empty.mp4", b"")}, **HTMX
    )

    assert response.status_code == 400
    assert b"The file is empty" in response.content
    assert not Analysis.objects.exists()


def test_upload_without_file_is_rejected(client, owner, data_dir):
    client.force_login(owner)

    response = client.post("/projects/upload", {}, **HTMX)

    assert response.status_code == 400
    assert b"This field is required" in response.content


def test_upload_rejects_get(client, owner):
    client.force_login(owner)

    assert client.get("/projects/upload").status_code == 405


def test_upload_by_anonymous_gets_403(client, data_dir):
    response = client.post(
        "/projects/upload", {"video": SimpleUploadedFile("a.mp4", b"x")}, **HTMX
    )

    assert response.status_code == 403
    assert not Analysis.objects.exists()


def test_project_list_fragment_lists_cards(client, owner, data_dir):
    make_analysis(owner, "one.mp4")
    client.force_login(owner)

    response = client.get("/projects/list", **HTMX)

    assert response.status_code == 200
    assert b'id="project-list"' in response.content
    assert b"one.mp4" in response.content
    assert b"<html" not in response.content


def test_card_polls_while_queued(client, owner, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/card", **HTMX)

    assert response.status_code == 200
    assert b"hx-trigger=" in response.content
    assert "showToast" not in triggers(response)


@pytest.mark.parametrize("status", [Job.Status.COMPLETED, Job.Status.FAILED])
def test_card_stops_polling_when_job_ended(client, owner, data_dir, status):
    analysis, job = make_analysis(owner)
    set_status(job, status)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/card", **HTMX)

    assert response.status_code == 200
    assert b"hx-trigger" not in response.content
    assert f"badge--{status}".encode() in response.content
    assert "analysisFinished" in triggers(response)
    assert "showToast" in triggers(response)


def test_card_shows_progress_and_dominant_emotion(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.PROCESSING, progress=0.4)
    client.force_login(owner)

    processing = client.get(f"/projects/{analysis.pk}/card", **HTMX)
    set_status(job, Job.Status.COMPLETED)
    Analysis.objects.filter(pk=analysis.pk).update(
        duration=15.48, summary={"dominant": "happy", "shares": {"happy": 1.0}}
    )
    completed = client.get(f"/projects/{analysis.pk}/card", **HTMX)

    assert b'value="40"' in processing.content
    assert b"Mostly happy" in completed.content
    assert b"0:15" in completed.content


def test_card_of_outsider_is_404(client, owner, outsider, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(outsider)

    assert client.get(f"/projects/{analysis.pk}/card", **HTMX).status_code == 404


def test_card_poll_by_anonymous_gets_403(client, owner, data_dir):
    analysis, _job = make_analysis(owner)

    response = client.get(f"/projects/{analysis.pk}/card", **HTMX)

    assert response.status_code == 403


def test_card_poll_costs_one_query(
    client, owner, data_dir, django_assert_max_num_queries
):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    # Two more queries load the session and the user.
    with django_assert_max_num_queries(3):
        client.get(f"/projects/{analysis.pk}/card", **HTMX)


def test_queue_widget_lists_positions(client, owner, outsider, data_dir):
    make_analysis(outsider, "theirs.mp4")
    make_analysis(owner, "first.mp4")
    _analysis, running = make_analysis(owner, "running.mp4")
    set_status(running, Job.Status.PROCESSING, progress=0.25)
    client.force_login(owner)

    response = client.get("/queue/widget", **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "first.mp4" in page
    assert "theirs.mp4" not in page
    # The outsider's job was queued first, so it runs before the owner's.
    assert "Position 2 in the queue" in page
    assert "25 %" in page
    assert "every 2s" in page


def test_queue_widget_polls_slowly_when_empty(client, owner, data_dir):
    _analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    client.force_login(owner)

    response = client.get("/queue/widget", **HTMX)

    assert b"No jobs waiting or running" in response.content
    assert b"every 2s" not in response.content
    assert b"every 15s [document.visibilityState === 'visible']" in response.content
    assert b"queueChanged from:body" in response.content


def test_queue_widget_by_anonymous_gets_403(client):
    assert client.get("/queue/widget", **HTMX).status_code == 403


def test_queue_widget_costs_two_queries(
    client, owner, data_dir, django_assert_max_num_queries
):
    for index in range(5):
        make_analysis(owner, f"clip-{index}.mp4")
    client.force_login(owner)

    # Two more queries load the session and the user.
    with django_assert_max_num_queries(4):
        client.get("/queue/widget", **HTMX)


def list_version(client) -> str:
    return client.get("/").context["list_version"]


def test_project_list_refreshes_every_15_seconds(client, owner, data_dir):
    client.force_login(owner)

    page = client.get("/").content.decode()

    version = list_version(client)
    assert f'hx-get="/projects/list?version={version}"' in page
    assert "every 15s [document.visibilityState === 'visible']" in page
    assert "visibilitychange[document.visibilityState === 'visible']" in page


def test_unchanged_project_list_returns_204(
    client, owner, data_dir, django_assert_max_num_queries
):
    make_analysis(owner, "one.mp4")
    client.force_login(owner)
    version = list_version(client)

    # One query for the version; two more load the session and the user.
    with django_assert_max_num_queries(3):
        response = client.get(f"/projects/list?version={version}", **HTMX)

    assert response.status_code == 204
    assert response.content == b""


def test_project_list_shows_upload_from_elsewhere(client, owner, data_dir):
    client.force_login(owner)
    version = list_version(client)
    make_analysis(owner, "from-the-api.mp4")

    response = client.get(f"/projects/list?version={version}", **HTMX)

    assert response.status_code == 200
    assert b"from-the-api.mp4" in response.content
    assert f"?version={version}".encode() not in response.content


def test_project_list_changes_with_a_status(client, owner, data_dir):
    _analysis, job = make_analysis(owner, "one.mp4")
    client.force_login(owner)
    version = list_version(client)
    set_status(job, Job.Status.FAILED)

    response = client.get(f"/projects/list?version={version}", **HTMX)

    assert response.status_code == 200
    assert b"badge--failed" in response.content


def test_project_list_version_ignores_other_users(client, owner, outsider, data_dir):
    client.force_login(owner)
    version = list_version(client)
    make_analysis(outsider, "theirs.mp4")

    response = client.get(f"/projects/list?version={version}", **HTMX)

    assert response.status_code == 204


def test_card_title_has_full_name(client, owner, data_dir):
    analysis, _job = make_analysis(owner, "a" * 296 + ".mp4")
    client.force_login(owner)

    page = client.get("/").content.decode()

    assert len(analysis.original_name) > 100
    assert f'title="{analysis.original_name}"' in page
    assert 'class="card__title"' in page


def test_card_duration_reads_as_minutes(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    Analysis.objects.filter(pk=analysis.pk).update(duration=557.4)
    client.force_login(owner)

    page = client.get("/").content.decode()

    assert "9:17" in page
    assert "557.4" not in page
