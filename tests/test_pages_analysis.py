"""The analysis page: job panel, results, retry and media views."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from analyses.charts import average_series, main_face_series, viewer_series
from analyses.models import Analysis
from analyses.templatetags.analysis_pages import duration
from analyses.uploads import create_analysis, create_reaction
from jobs.models import Job
from reactions.models import Reaction

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
VIDEO_BYTES = bytes(range(256)) * 4


def make_analysis(user, content=VIDEO_BYTES):
    return create_analysis(user, SimpleUploadedFile("clip.mp4", content))


def set_status(job, status, **fields):
    Job.objects.filter(pk=job.pk).update(status=status, **fields)
    job.refresh_from_db()
    job.sync_subject_status()


def face(box, **emotions):
    scores = dict.fromkeys(
        ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"], 0.0
    )
    return {"box": box, "emotions": {**scores, **emotions}}


def triggers(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_detail_renders_for_owner(client, owner, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'src="/projects/{analysis.pk}/video"' in page
    assert f'href="/projects/{analysis.pk}/record/"' in page
    assert 'id="job-panel"' in page
    assert "/static/vendor/chart-4.6.1.umd.min.js" in page


def test_detail_of_outsider_is_404(client, owner, outsider, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(outsider)

    assert client.get(f"/projects/{analysis.pk}/").status_code == 404


def test_detail_redirects_anonymous_to_sign_in(client, owner, data_dir):
    analysis, _job = make_analysis(owner)

    response = client.get(f"/projects/{analysis.pk}/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_detail_embeds_chart_series_and_summary(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    Analysis.objects.filter(pk=analysis.pk).update(
        duration=0.4,
        summary={
            "dominant": "happy",
            "shares": {"happy": 0.75, "neutral": 0.25},
            "samples": 2,
            "samples_with_face": 1,
        },
        timeline=[
            {"time": 0.0, "faces": [face([0, 0, 10, 10], happy=0.9)]},
            {"time": 0.2, "faces": []},
        ],
    )
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/")

    chart = response.context["chart"]
    assert chart["video"]["times"] == [0.0, 0.2]
    assert chart["video"]["series"]["happy"] == [0.9, None]
    assert b'id="chart-data"' in response.content
    assert b"data-emotion-chart" in response.content
    assert b"75 %" in response.content


def test_job_panel_polls_while_processing(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.PROCESSING, progress=0.5)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/job", **HTMX)

    assert response.status_code == 200
    assert b"hx-trigger=" in response.content
    assert b"Analysing: 50 %" in response.content


def test_job_panel_stops_polling_when_completed(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/job", **HTMX)

    assert response.status_code == 200
    assert b"hx-trigger" not in response.content
    assert "analysisFinished" in triggers(response)


def test_job_panel_shows_failure_and_retry_button(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(
        job,
        Job.Status.FAILED,
        error="Traceback: secret internals",
        error_user_message="This file is not a video or image that can be read.",
    )
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/job", **HTMX)

    page = response.content.decode()
    assert "hx-trigger" not in page
    assert "This file is not a video or image that can be read." in page
    assert "secret internals" not in page
    assert f'hx-post="/projects/{analysis.pk}/retry"' in page
    assert triggers(response)["showToast"]["level"] == "error"


def test_job_panel_of_outsider_is_404(client, owner, outsider, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(outsider)

    assert client.get(f"/projects/{analysis.pk}/job", **HTMX).status_code == 404


def test_job_panel_poll_by_anonymous_gets_403(client, owner, data_dir):
    analysis, _job = make_analysis(owner)

    assert client.get(f"/projects/{analysis.pk}/job", **HTMX).status_code == 403


def test_job_panel_poll_costs_two_queries(
    client, owner, data_dir, django_assert_max_num_queries
):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    # The job with its analysis, its queue position, the session, the user.
    with django_assert_max_num_queries(4):
        client.get(f"/projects/{analysis.pk}/job", **HTMX)


def test_results_fragment_renders_without_layout(client, owner, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/results", **HTMX)

    assert response.status_code == 200
    assert b'id="results"' in response.content
    assert b"<html" not in response.content


def test_results_of_outsider_is_404(client, owner, outsider, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(outsider)

    assert client.get(f"/projects/{analysis.pk}/results", **HTMX).status_code == 404


def test_retry_requeues_failed_job(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED, error_user_message="It failed.")
    client.force_login(owner)

    response = client.post(f"/projects/{analysis.pk}/retry", **HTMX)

    job.refresh_from_db()
    analysis.refresh_from_db()
    assert response.status_code == 200
    assert job.status == Job.Status.QUEUED
    assert job.error_user_message == ""
    assert analysis.status == Analysis.Status.QUEUED
    assert b"hx-trigger=" in response.content
    assert b"badge--queued" in response.content
    assert "queueChanged" in triggers(response)
    assert triggers(response)["showToast"]["level"] == "success"


def test_retry_without_htmx_redirects(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED)
    client.force_login(owner)

    response = client.post(f"/projects/{analysis.pk}/retry")

    job.refresh_from_db()
    assert response.status_code == 302
    assert response.url == f"/projects/{analysis.pk}/"
    assert job.status == Job.Status.QUEUED


def test_retry_of_job_not_failed_is_409(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    client.force_login(owner)

    response = client.post(f"/projects/{analysis.pk}/retry", **HTMX)

    job.refresh_from_db()
    assert response.status_code == 409
    assert job.status == Job.Status.COMPLETED
    assert triggers(response)["showToast"]["level"] == "error"


def test_retry_rejects_get(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/retry")

    job.refresh_from_db()
    assert response.status_code == 405
    assert job.status == Job.Status.FAILED


def test_retry_by_outsider_is_404(client, owner, outsider, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED)
    client.force_login(outsider)

    response = client.post(f"/projects/{analysis.pk}/retry", **HTMX)

    job.refresh_from_db()
    assert response.status_code == 404
    assert job.status == Job.Status.FAILED


def test_retry_by_anonymous_gets_403(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED)

    assert client.post(f"/projects/{analysis.pk}/retry", **HTMX).status_code == 403


def test_video_answers_range_request_with_206(client, owner, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/video", HTTP_RANGE="bytes=100-199")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == VIDEO_BYTES[100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(VIDEO_BYTES)}"
    assert response["Content-Length"] == "100"


def test_video_answers_suffix_range(client, owner, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/video", HTTP_RANGE="bytes=-10")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == VIDEO_BYTES[-10:]


def test_video_without_range_returns_whole_file(client, owner, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/video")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == VIDEO_BYTES
    assert response["Accept-Ranges"] == "bytes"


def test_video_of_outsider_is_404(client, owner, outsider, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(outsider)

    assert client.get(f"/projects/{analysis.pk}/video").status_code == 404


def test_video_redirects_anonymous_to_sign_in(client, owner, data_dir):
    analysis, _job = make_analysis(owner)

    assert client.get(f"/projects/{analysis.pk}/video").status_code == 302


def test_thumbnail_is_served_to_owner_only(client, owner, outsider, data_dir):
    analysis, _job = make_analysis(owner)
    analysis.thumbnail.save("thumb.jpg", ContentFile(b"\xff\xd8jpeg"))
    client.force_login(owner)
    served = client.get(f"/projects/{analysis.pk}/thumbnail")
    client.force_login(outsider)
    hidden = client.get(f"/projects/{analysis.pk}/thumbnail")

    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"\xff\xd8jpeg"
    assert hidden.status_code == 404


def test_missing_thumbnail_is_404(client, owner, data_dir):
    analysis, _job = make_analysis(owner)
    client.force_login(owner)

    assert client.get(f"/projects/{analysis.pk}/thumbnail").status_code == 404


def test_series_follow_the_largest_face():
    timeline = [
        {
            "time": 0.0,
            "faces": [face([0, 0, 5, 5], fear=0.8), face([0, 0, 50, 50], happy=0.7)],
        },
        {"time": 0.2, "faces": []},
    ]

    series = main_face_series(timeline)

    assert series["times"] == [0.0, 0.2]
    assert series["series"]["happy"] == [0.7, None]
    assert series["series"]["fear"] == [0.0, None]


def test_average_series_bins_reactions_on_video_clock():
    class Row:
        def __init__(self, timeline):
            self.timeline = timeline

    first = Row([{"time": 1.01, "faces": [face([0, 0, 9, 9], happy=1.0)]}])
    second = Row(
        [
            {"time": 0.99, "faces": [face([0, 0, 9, 9], happy=0.5)]},
            {"time": 1.2, "faces": []},
        ]
    )

    average = average_series([first, second], step=0.2)

    assert average["times"] == [1.0]
    assert average["series"]["happy"] == [0.75]
    assert average["viewers"] == [2]


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, ""),
        (-1, ""),
        (0, "0:00"),
        (15.48, "0:15"),
        (557.4, "9:17"),
        (3600, "1:00:00"),
        (3725.9, "1:02:05"),
    ],
)
def test_duration_filter_formats_clock_time(seconds, expected):
    assert duration(seconds) == expected


def test_summary_duration_reads_as_minutes(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    Analysis.objects.filter(pk=analysis.pk).update(
        duration=557.4, summary={"samples": 2, "samples_with_face": 1}
    )
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/").content.decode()

    assert "over 9:17." in page
    assert "557.4 s" not in page


@pytest.mark.parametrize(
    ("category", "transient", "offers_retry"),
    [
        (Job.ErrorCategory.TIMEOUT, True, True),
        (Job.ErrorCategory.CONVERSION_FAILED, True, True),
        (Job.ErrorCategory.ANALYSIS_FAILED, True, True),
        (Job.ErrorCategory.STORAGE_FAILED, False, True),
        (Job.ErrorCategory.UNKNOWN, False, True),
        ("", None, True),
        (Job.ErrorCategory.INVALID_MEDIA, False, False),
    ],
)
def test_job_panel_offers_retry_only_when_useful(
    client, owner, data_dir, category, transient, offers_retry
):
    analysis, job = make_analysis(owner)
    set_status(
        job,
        Job.Status.FAILED,
        error_category=category,
        is_transient=transient,
        error_user_message="It failed.",
    )
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/job", **HTMX).content.decode()

    has_retry = f'hx-post="/projects/{analysis.pk}/retry"' in page
    assert has_retry is offers_retry
    assert ("Upload another file" in page) is not offers_retry


def test_failed_analysis_offers_no_recording(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(
        job,
        Job.Status.FAILED,
        error_category=Job.ErrorCategory.ANALYSIS_FAILED,
        is_transient=True,
    )
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/").content.decode()

    assert f"/projects/{analysis.pk}/record/" not in page
    assert "Record the first one" not in page
    assert "No reactions yet." in page


@pytest.mark.parametrize(
    "status",
    [Job.Status.QUEUED, Job.Status.PROCESSING, Job.Status.COMPLETED],
)
def test_playable_analysis_offers_recording(client, owner, data_dir, status):
    analysis, job = make_analysis(owner)
    set_status(job, status)
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/").content.decode()

    assert f'href="/projects/{analysis.pk}/record/">Record a reaction' in page
    assert "Record the first one" in page


def test_results_fragment_of_failed_analysis_offers_no_recording(
    client, owner, data_dir
):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED)
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/results", **HTMX).content.decode()

    assert "Reactions" in page
    assert "Record the first one" not in page


def test_job_panel_poll_hides_recording_once_failed(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED)
    client.force_login(owner)

    panel = client.get(f"/projects/{analysis.pk}/job", **HTMX).content.decode()

    # The page's button is replaced out of band, so a page opened while the
    # job ran stops offering a recorder for a video that failed.
    assert '<div id="record-action" hx-swap-oob="true">' in panel
    assert "Record a reaction" not in panel


def test_retry_response_offers_recording_again(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.FAILED)
    client.force_login(owner)

    panel = client.post(f"/projects/{analysis.pk}/retry", **HTMX).content.decode()

    assert '<div id="record-action" hx-swap-oob="true">' in panel
    assert f'href="/projects/{analysis.pk}/record/">Record a reaction' in panel


def test_detail_page_has_no_out_of_band_button(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    client.force_login(owner)

    page = client.get(f"/projects/{analysis.pk}/").content.decode()

    assert page.count('id="record-action"') == 1
    assert "hx-swap-oob" not in page


def make_reaction(analysis, owner, timeline, status=Job.Status.COMPLETED):
    reaction, job = create_reaction(
        analysis, owner, SimpleUploadedFile("reaction.webm", b"webm"), 0.0
    )
    set_status(job, status)
    Reaction.objects.filter(pk=reaction.pk).update(
        timeline=timeline, summary={"samples": len(timeline)}
    )
    return reaction


WITH_FACE = [
    {"time": 0.0, "faces": [face([0, 0, 9, 9], happy=0.8, neutral=0.2)]},
    {"time": 0.2, "faces": [face([0, 0, 9, 9], happy=0.6, neutral=0.4)]},
]
WITHOUT_FACE = [{"time": 0.0, "faces": []}, {"time": 0.2, "faces": []}]


def test_reactions_show_each_viewer_and_average(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    first = make_reaction(analysis, owner, WITH_FACE)
    second = make_reaction(analysis, owner, WITH_FACE)
    make_reaction(analysis, owner, WITHOUT_FACE)
    make_reaction(analysis, owner, [], status=Job.Status.QUEUED)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/")

    page = response.content.decode()
    viewers = response.context["chart"]["viewers"]
    assert [viewer["id"] for viewer in viewers] == [second.pk, first.pk]
    assert viewers[0]["label"] == f"Reaction #{second.pk} by owner"
    assert viewers[0]["series"]["happy"] == [0.8, 0.6]
    assert response.context["chart"]["reactions"]["viewers"] == [2, 2]
    assert "Average of 2 viewers with a face" in page
    assert "1 more analysed reaction found no face and is left out." in page
    assert "data-viewer-chart" in page
    assert '<option value="happy" selected>' in page


def test_reactions_without_face_explain_empty_average(client, owner, data_dir):
    analysis, job = make_analysis(owner)
    set_status(job, Job.Status.COMPLETED)
    make_reaction(analysis, owner, WITHOUT_FACE)
    client.force_login(owner)

    response = client.get(f"/projects/{analysis.pk}/")

    page = response.content.decode()
    assert response.context["chart"]["viewers"] == []
    assert 'data-series="reactions"' not in page
    assert "data-viewer-chart" not in page
    assert "1 reaction was analysed, but no face was found in it" in page


def test_viewer_series_skips_reactions_without_face():
    class Row:
        def __init__(self, pk, timeline):
            self.pk = pk
            self.timeline = timeline
            self.recorded_by = None

    rows = [Row(1, WITHOUT_FACE), Row(2, WITH_FACE), Row(3, None)]

    viewers = viewer_series(rows)

    assert [viewer["id"] for viewer in viewers] == [2]
    assert viewers[0]["label"] == "Reaction #2"
    assert viewers[0]["times"] == [0.0, 0.2]
