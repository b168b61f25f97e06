"""The reaction recorder page and each reaction's status poll."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analyses.models import Analysis
from analyses.uploads import create_analysis, create_reaction
from jobs.models import Job
from reactions.models import Reaction

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def analysis(owner, data_dir):
    analysis, _job = create_analysis(owner, SimpleUploadedFile("clip.mp4", b"video"))
    return analysis


@pytest.fixture
def reaction_job(analysis, owner):
    _reaction, job = create_reaction(
        analysis, owner, SimpleUploadedFile("reaction.webm", b"webm"), 2.5
    )
    return job


def set_status(job, status, **fields):
    Job.objects.filter(pk=job.pk).update(status=status, **fields)
    job.refresh_from_db()
    job.sync_subject_status()


def status_url(job) -> str:
    return f"/projects/{job.analysis_id}/reactions/{job.reaction_id}/status"


def triggers(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_recorder_renders_for_owner(client, owner, analysis):
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/record/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-upload-url="/reactions/{analysis.pk}"' in page
    assert f'src="/projects/{analysis.pk}/video"' in page
    assert "data-camera-banner" in page
    assert "/static/js/recorder.js" in page


def test_recorder_of_outsider_is_404(client, outsider, analysis):
    client.force_login(outsider)

    assert client.get(f"/projects/{analysis.pk}/record/").status_code == 404


def test_recorder_redirects_anonymous_to_sign_in(client, analysis):
    response = client.get(f"/projects/{analysis.pk}/record/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_reaction_status_polls_while_queued(client, owner, reaction_job):
    client.force_login(owner)

    response = client.get(status_url(reaction_job), **HTMX)

    assert response.status_code == 200
    assert b"hx-trigger=" in response.content
    assert b"badge--queued" in response.content


def test_reaction_status_stops_polling_when_completed(client, owner, reaction_job):
    set_status(reaction_job, Job.Status.COMPLETED)
    Reaction.objects.filter(pk=reaction_job.reaction_id).update(
        summary={"dominant": "happy", "samples": 10, "samples_with_face": 9}
    )
    client.force_login(owner)

    response = client.get(status_url(reaction_job), **HTMX)

    assert b"hx-trigger" not in response.content
    assert b"a face in 9 of 10 samples" in response.content
    assert "reactionFinished" in triggers(response)


def test_reaction_status_shows_failure_with_retry(client, owner, reaction_job):
    set_status(
        reaction_job,
        Job.Status.FAILED,
        error_user_message="The recording could not be converted.",
    )
    client.force_login(owner)

    response = client.get(status_url(reaction_job), **HTMX)

    assert b"hx-trigger" not in response.content
    assert b"The recording could not be converted." in response.content
    assert b"/retry" in response.content


def test_reaction_status_of_outsider_is_404(client, outsider, reaction_job):
    client.force_login(outsider)

    assert client.get(status_url(reaction_job), **HTMX).status_code == 404


def test_reaction_status_poll_by_anonymous_gets_403(client, reaction_job):
    assert client.get(status_url(reaction_job), **HTMX).status_code == 403


def test_reaction_status_poll_costs_two_queries(
    client, owner, reaction_job, django_assert_max_num_queries
):
    client.force_login(owner)

    # The job with its reaction, its queue position, the session, the user.
    with django_assert_max_num_queries(4):
        client.get(status_url(reaction_job), **HTMX)


def test_reaction_retry_requeues_failed_job(client, owner, reaction_job):
    set_status(reaction_job, Job.Status.FAILED)
    client.force_login(owner)

    response = client.post(status_url(reaction_job).replace("status", "retry"), **HTMX)

    reaction_job.refresh_from_db()
    assert response.status_code == 200
    assert reaction_job.status == Job.Status.QUEUED
    assert Reaction.objects.get().status == Reaction.Status.QUEUED
    assert b"hx-trigger=" in response.content


def test_reaction_retry_rejects_get(client, owner, reaction_job):
    set_status(reaction_job, Job.Status.FAILED)
    client.force_login(owner)

    response = client.get(status_url(reaction_job).replace("status", "retry"))

    assert response.status_code == 405


def test_detail_lists_reactions_with_badges(client, owner, analysis, reaction_job):
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/")

    assert f'id="reaction-{reaction_job.reaction_id}"'.encode() in response.content
    assert b"position 2 in the queue" in response.content


def test_recorder_of_failed_analysis_explains(client, owner, analysis):
    job = analysis.job
    set_status(job, Job.Status.FAILED)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/record/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "This video cannot be played for a reaction" in page
    assert f'href="/projects/{analysis.pk}/">Back to the analysis' in page
    assert "data-recorder" not in page
    assert f"/projects/{analysis.pk}/video" not in page


def test_recorder_of_image_explains(client, owner, analysis):
    Analysis.objects.filter(pk=analysis.pk).update(media_kind="image")
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/record/").content.decode()

    assert "Reactions are recorded to videos" in page
    assert "data-recorder" not in page


def test_recorder_of_queued_video_has_fallback_banner(client, owner, analysis):
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/record/").content.decode()

    assert "data-recorder" in page
    assert "data-video-banner" in page


def test_reaction_offset_reads_as_minutes(client, owner, analysis):
    create_reaction(analysis, owner, SimpleUploadedFile("r.webm", b"webm"), 75.9)
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/").content.decode()

    assert "from 1:15 of the video" in page


def test_reaction_status_hides_retry_for_invalid_media(client, owner, reaction_job):
    set_status(
        reaction_job,
        Job.Status.FAILED,
        error_category=Job.ErrorCategory.INVALID_MEDIA,
        is_transient=False,
        error_user_message="This file is not a video or image that can be read.",
    )
    client.force_login(owner)

    page = client.get(status_url(reaction_job), **HTMX).content.decode()

    assert "/retry" not in page
    assert "Record another reaction" in page
    assert f'href="/projects/{reaction_job.analysis_id}/record/"' in page
