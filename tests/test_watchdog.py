"""The job watchdog and the cost of progress reports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analyses.models import Analysis
from jobs.models import Job
from jobs.runner import JobContext, JobTimeout, claim_next_job
from tests.conftest import upload, wait_for


@pytest.fixture
def processing(owner, data_dir) -> Job:
    analysis = Analysis.objects.create(
        owner=owner, video="analyses/x/source.mp4", size=1
    )
    Job.objects.create(owner=owner, job_type=Job.Type.VIDEO_ANALYSIS, analysis=analysis)
    return claim_next_job()


@pytest.mark.django_db
def test_progress_reports_are_one_throttled_update(processing):
    context = JobContext(processing)

    with CaptureQueriesContext(connection) as queries:
        for step in range(200):
            context.report_progress(step / 200)

    assert len(queries) == 1
    assert queries[0]["sql"].startswith('UPDATE "jobs_job"')
    processing.refresh_from_db()
    assert processing.progress == 0.0
    assert processing.heartbeat_at is not None


@pytest.mark.django_db
def test_final_progress_is_always_written(processing):
    context = JobContext(processing)
    context.report_progress(0.5)

    context.report_progress(1.0)

    processing.refresh_from_db()
    assert processing.progress == 1.0


@pytest.mark.django_db
@pytest.mark.parametrize("fraction", [-3.0, 7.5])
def test_progress_is_clamped_to_0_to_1(processing, fraction):
    JobContext(processing).report_progress(fraction)

    processing.refresh_from_db()
    assert 0.0 <= processing.progress <= 1.0


@pytest.mark.django_db
def test_progress_of_a_deleted_job_stops_it(processing):
    context = JobContext(processing)
    Analysis.objects.all().delete()

    with pytest.raises(Exception, match="deleted or taken back"):
        context.report_progress(0.5)


@pytest.mark.django_db
def test_deadline_raises_job_timeout(processing, settings):
    settings.ANALYSIS_PROCESSING_TIMEOUT_SECONDS = 1
    context = JobContext(processing)
    context.deadline -= 2

    with pytest.raises(JobTimeout):
        context.report_progress(0.5)


@pytest.mark.django_db
def test_slow_analysis_fails_as_timeout_in_process(api, long_video, run_jobs, settings):
    settings.ANALYSIS_PROCESSING_TIMEOUT_SECONDS = 1
    job_id = upload(api, long_video, sample_rate=30).json()["job_id"]

    run_jobs()

    job = Job.objects.get(pk=job_id)
    assert job.status == "failed"
    assert job.error_category == "timeout"
    assert job.is_transient is True
    assert "time limit" in job.error_user_message
    assert job.analysis.timeline is None
    assert job.analysis.video.storage.exists(job.analysis.video.name)


@pytest.mark.cluster
def test_worker_takes_next_job_after_timeout(api, media_dir, long_video, cluster):
    cluster.env["ANALYSIS_PROCESSING_TIMEOUT_SECONDS"] = "3"
    # At 30 samples a second the analysis needs far longer than 3 s.
    slow = upload(api, long_video, sample_rate=30).json()["job_id"]
    quick = upload(api, media_dir / "smiling-man.jpg").json()["job_id"]

    cluster.start()
    wait_for(
        lambda: Job.objects.get(pk=quick).is_finished,
        timeout=90,
        message="the job after the timed-out one did not finish",
    )

    slow_job = Job.objects.get(pk=slow)
    quick_job = Job.objects.get(pk=quick)
    assert slow_job.status == "failed"
    assert slow_job.error_category == "timeout"
    assert (slow_job.finished_at - slow_job.started_at).total_seconds() >= 3
    assert quick_job.status == "completed", quick_job.error
    assert cluster.is_running
