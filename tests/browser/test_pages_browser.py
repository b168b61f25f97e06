"""Drive the pages in Chromium against a live server and a real worker."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analyses.uploads import create_analysis
from jobs.models import Job
from reactions.models import Reaction
from tests.browser.pages import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The worker analyses talking-woman.mp4 in a few seconds; starting the
# cluster and loading the model takes longer on a cold machine.
JOB_TIMEOUT_MS = 90_000


def card(page, name: str):
    return page.locator("article.card", has_text=name)


def test_upload_completes_and_chart_seeks_video(
    browser, live_server, cluster, owner, media_dir
):
    cluster.start()
    page = sign_in(browser, live_server, "owner", "owner-password")
    screenshot(page, "home-empty")
    # A value on window survives only if the page is never reloaded.
    page.evaluate("window.pageMarker = 'no reload'")

    page.set_input_files("#id_video", media_dir / "talking-woman.mp4")
    page.click("text=Upload and analyse")

    page.locator(".toast", has_text="uploaded and queued").wait_for()
    card(page, "talking-woman.mp4").wait_for()
    badge = card(page, "talking-woman.mp4").locator(".badge")
    badge.filter(has_text="Completed").wait_for(timeout=JOB_TIMEOUT_MS)
    assert page.evaluate("window.pageMarker") == "no reload"
    page.locator(".toast", has_text="is analysed").wait_for()
    page.locator("#queue-widget", has_text="No jobs waiting").wait_for()
    screenshot(page, "home")

    card(page, "talking-woman.mp4").locator("h3 a").click()
    page.wait_for_url("**/projects/*/")
    page.wait_for_function(
        "() => Chart.getChart(document.querySelector('[data-emotion-chart]'))"
        "?.data.datasets.length === 7"
    )
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    points = page.evaluate(
        "() => Chart.getChart(document.querySelector('[data-emotion-chart]'))"
        ".data.datasets[0].data.length"
    )
    assert points > 50

    canvas = page.locator("[data-emotion-chart]").first
    box = canvas.bounding_box()
    area = page.evaluate(
        "() => Chart.getChart(document.querySelector('[data-emotion-chart]')).chartArea"
    )
    x = area["left"] + 0.75 * (area["right"] - area["left"])
    canvas.click(position={"x": x, "y": box["height"] / 2})
    # Chart.js handles events on the next animation frame, so the seek
    # lands a moment after the click returns.
    page.wait_for_function("() => document.getElementById('player').currentTime > 0")
    current_time = page.evaluate("() => document.getElementById('player').currentTime")
    duration = page.evaluate("() => document.getElementById('player').duration")
    assert current_time == pytest.approx(0.75 * duration, abs=0.5)
    screenshot(page, "analysis")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    screenshot(page, "home-phone")


def test_reaction_is_recorded_uploaded_and_analysed(
    camera_browser, live_server, cluster, owner, media_dir, data_dir
):
    with (media_dir / "talking-woman.mp4").open("rb") as handle:
        analysis, job = create_analysis(
            owner, SimpleUploadedFile("talking-woman.mp4", handle.read())
        )
    # The video's own analysis is not under test here; skip its job.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.COMPLETED)
    job.refresh_from_db()
    job.sync_subject_status()
    cluster.start()

    page = sign_in(camera_browser, live_server, "owner", "owner-password")
    page.goto(f"/projects/{analysis.pk}/record/")
    page.locator("[data-camera-preview]").wait_for(state="visible")
    assert page.locator("[data-camera-banner]").is_hidden()
    page.wait_for_function(
        "() => document.querySelector('[data-camera-preview]').videoWidth > 0"
    )

    page.click("[data-start]")
    page.wait_for_function(
        "() => document.querySelector('[data-recorder]').dataset.state === 'recording'"
    )
    page.locator("[data-rec-indicator]").wait_for(state="visible")
    screenshot(page, "recorder")
    page.wait_for_timeout(4_000)
    page.click("[data-stop]")

    page.wait_for_function(
        "() => document.querySelector('[data-recorder]').dataset.state === 'uploaded'"
    )
    status = page.locator("[data-reaction-status] .badge")
    status.filter(has_text="Completed").wait_for(timeout=JOB_TIMEOUT_MS)
    screenshot(page, "recorder-done")

    reaction = Reaction.objects.get(analysis=analysis)
    assert reaction.status == Reaction.Status.COMPLETED
    assert reaction.offset >= 0
    assert reaction.summary["samples_with_face"] > 0
    assert reaction.timeline[0]["time"] >= reaction.offset

    page.goto(f"/projects/{analysis.pk}/")
    page.wait_for_function(
        "() => Chart.getChart(document.querySelector('[data-series=reactions]'))"
    )
    screenshot(page, "analysis-with-reaction")
    assert (
        page.locator(f"#reaction-{reaction.pk} .badge")
        .inner_text()
        .endswith("Completed")
    )

    # The viewer chart draws the average and one line per reaction, for the
    # emotion picked in the selector.
    labels = page.evaluate(
        "() => Chart.getChart(document.querySelector('[data-viewer-chart]'))"
        ".data.datasets.map((set) => set.label)"
    )
    assert labels == ["Average", f"Reaction #{reaction.pk} by owner"]
    page.select_option("[data-viewer-emotion]", "surprise")
    emotion = page.evaluate(
        "() => document.querySelector('[data-viewer-chart]').dataset.emotion"
    )
    assert emotion == "surprise"
    assert "Average of 1 viewer with a face" in page.inner_text(
        "[data-average-caption]"
    )


@pytest.mark.parametrize(
    ("browser_fixture", "expected", "name"),
    [
        ("denying_browser", "Camera access was denied", "recorder-denied"),
        ("browser", "No camera was found", "recorder-no-camera"),
    ],
    ids=["permission-denied", "no-camera"],
)
def test_unavailable_camera_shows_banner_without_preview(
    request, live_server, owner, data_dir, browser_fixture, expected, name
):
    analysis, _job = create_analysis(owner, SimpleUploadedFile("clip.mp4", b"video"))
    browser = request.getfixturevalue(browser_fixture)
    page = sign_in(browser, live_server, "owner", "owner-password")

    page.goto(f"/projects/{analysis.pk}/record/")

    banner = page.locator("[data-camera-banner]")
    banner.wait_for(state="visible")
    assert expected in banner.inner_text()
    assert page.locator("[data-camera-preview]").is_hidden()
    assert page.locator("[data-start]").is_disabled()
    screenshot(page, name)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "Object.defineProperty(window, 'isSecureContext', {value: false})",
            "The camera needs a secure connection",
        ),
        ("delete window.MediaRecorder", "This browser cannot record video"),
    ],
    ids=["insecure-context", "no-mediarecorder"],
)
def test_missing_camera_support_shows_banner(
    camera_browser, live_server, owner, data_dir, script, expected
):
    analysis, _job = create_analysis(owner, SimpleUploadedFile("clip.mp4", b"video"))
    page = sign_in(camera_browser, live_server, "owner", "owner-password")
    page.context.add_init_script(script)

    page.goto(f"/projects/{analysis.pk}/record/")

    banner = page.locator("[data-camera-banner]")
    banner.wait_for(state="visible")
    assert expected in banner.inner_text()
    assert page.locator("[data-camera-preview]").is_hidden()


def test_failed_job_offers_retry_only_when_useful(
    browser, live_server, cluster, owner, tmp_path
):
    not_a_video = tmp_path / "broken.mp4"
    not_a_video.write_bytes(bytes(range(256)) * 64)
    cluster.start()
    page = sign_in(browser, live_server, "owner", "owner-password")

    page.set_input_files("#id_video", not_a_video)
    page.click("text=Upload and analyse")
    card(page, "broken.mp4").locator(".badge").filter(has_text="Failed").wait_for(
        timeout=JOB_TIMEOUT_MS
    )
    page.locator(".toast--error", has_text="failed").wait_for()
    card(page, "broken.mp4").locator("h3 a").click()

    message = page.locator("#job-panel [data-error-message]")
    assert "not a video" in message.inner_text()
    # A file that is not a video fails the same way again: no Retry, and
    # no recorder for a video that cannot play.
    assert page.locator("#job-panel button:has-text('Retry')").count() == 0
    assert page.locator("#job-panel [data-upload-another]").is_visible()
    assert page.locator("text=Record a reaction").count() == 0
    screenshot(page, "analysis-failed")

    # Make the failure look transient, as a timeout would, to see Retry work.
    # Stop the worker so that the retried job stays queued long enough to see.
    cluster.stop()
    job = Job.objects.get(analysis__original_name="broken.mp4")
    Job.objects.filter(pk=job.pk).update(
        error_category=Job.ErrorCategory.TIMEOUT, is_transient=True
    )
    page.reload()
    page.click("#job-panel button:has-text('Retry')")
    page.locator("#job-panel .badge", has_text="Queued").wait_for()
    page.locator(".toast", has_text="queued again").wait_for()
    assert page.locator("#job-panel").get_attribute("hx-trigger")
    # A queued video may play, so the recorder is offered until it fails.
    page.locator("#record-action a", has_text="Record a reaction").wait_for()
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED

    cluster.start()
    page.locator("#job-panel .badge", has_text="Failed").wait_for(
        timeout=JOB_TIMEOUT_MS
    )
    page.locator("#record-action a").wait_for(state="detached")
    job.refresh_from_db()
    assert job.attempts == 2


def test_long_name_fits_a_phone(browser, live_server, owner, data_dir):
    name = "a-very-long-file-name-without-spaces-" * 8 + ".mp4"
    analysis, job = create_analysis(owner, SimpleUploadedFile(name, b"video"))
    Job.objects.filter(pk=job.pk).update(status=Job.Status.COMPLETED)
    job.refresh_from_db()
    job.sync_subject_status()
    page = sign_in(browser, live_server, "owner", "owner-password")
    page.set_viewport_size({"width": 390, "height": 844})
    width = "() => document.documentElement.scrollWidth"

    page.goto("/")
    home_width = page.evaluate(width)
    title = card(page, "a-very-long").locator(".card__title")
    title_height = title.bounding_box()["height"]
    full_name = title.locator("a").get_attribute("title")
    screenshot(page, "home-long-name-phone")
    page.goto(f"/projects/{analysis.pk}/")
    analysis_width = page.evaluate(width)
    screenshot(page, "analysis-long-name-phone")
    page.goto(f"/projects/{analysis.pk}/record/")
    recorder_width = page.evaluate(width)

    assert home_width <= 390
    assert analysis_width <= 390
    assert recorder_width <= 390
    # Two lines of the card title's font at most.
    assert title_height < 60
    assert full_name == analysis.original_name


def test_home_shows_upload_from_elsewhere(browser, live_server, owner, data_dir):
    page = sign_in(browser, live_server, "owner", "owner-password")
    page.locator("#project-list", has_text="No videos yet").wait_for()

    create_analysis(owner, SimpleUploadedFile("from-the-api.mp4", b"video"))
    # Coming back to the tab refreshes at once, without the 15 s wait.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    card(page, "from-the-api.mp4").wait_for(timeout=5_000)
    page.locator("#queue-widget", has_text="from-the-api.mp4").wait_for(timeout=5_000)
