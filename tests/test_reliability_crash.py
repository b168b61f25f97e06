"""A cluster killed in the middle of a job, and a queue filled while no worker runs."""

from __future__ import annotations

import urllib.request

import pytest

from analyses.models import Analysis
from jobs.models import Job
from jobs.queue import create_job
from tests.conftest import RECORDING_JOB_TYPE, recorded_runs, upload, wait_for

pytestmark = [pytest.mark.cluster]


def test_killed_analysis_completes_once_after_restart(
    api, long_video, cluster, data_dir
):
    job_id = upload(api, long_video, sample_rate=2).json()["job_id"]
    cluster.start()
    wait_for(
        lambda: Job.objects.filter(
            pk=job_id, status="processing", progress__gt=0
        ).exists(),
        timeout=120,
        message="the analysis never reported progress",
    )

    cluster.kill()

    job = Job.objects.get(pk=job_id)
    assert job.status == "processing"
    assert job.attempts == 1

    cluster.start()
    wait_for(
        lambda: Job.objects.get(pk=job_id).is_finished,
        timeout=240,
        message="the analysis did not finish after the restart",
    )
    job.refresh_from_db()
    analysis = Analysis.objects.get(pk=job.analysis_id)
    assert job.status == "completed", job.error
    assert job.attempts == 2
    assert analysis.status == "completed"
    assert 150 <= len(analysis.timeline) <= 160
    assert analysis.summary["samples"] == len(analysis.timeline)
    assert not Job.objects.filter(status="processing").exists()
    thumbnails = list((data_dir / "media" / "thumbnails").iterdir())
    assert len(thumbnails) == 1
    assert "was left processing by worker pid" in cluster.log()


def test_queued_jobs_run_once_in_order(owner, cluster, web_server, data_dir):
    analysis = Analysis.objects.create(
        owner=owner, video="analyses/x/source.mp4", size=1
    )
    job_ids = [
        create_job(job_type=RECORDING_JOB_TYPE, analysis=analysis).pk
        for _ in range(200)
    ]

    # The web process serves pages but never runs jobs, before or after a restart.
    web_server.start()
    urllib.request.urlopen(f"{web_server.url}/accounts/login/", timeout=10)
    web_server.stop()
    web_server.start()
    urllib.request.urlopen(f"{web_server.url}/accounts/login/", timeout=10)
    web_server.stop()
    assert Job.objects.filter(status="queued").count() == 200
    cluster.start(with_test_jobs=True)
    wait_for(
        lambda: Job.objects.filter(status="completed").count() == 200,
        timeout=120,
        interval=1,
        message="the queued jobs did not all complete",
    )

    assert recorded_runs(data_dir) == job_ids
    started = list(Job.objects.order_by("started_at").values_list("pk", flat=True))
    assert started == job_ids
    assert set(Job.objects.values_list("attempts", flat=True)) == {1}
    assert "Traceback" not in cluster.log()
    # NOTE: the worker recycles after 200 tasks. django-q2's shutdown then
    # waits forever for a task pusher blocked on the full task queue, which
    # no worker reads any more, so this test ends the cluster with SIGKILL.
    cluster.kill()
