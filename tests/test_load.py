"""Many uploads at once against a real server while the worker writes progress."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.utils import timezone
from django_q.models import OrmQ
from rest_framework.authtoken.models import Token

from analyses.models import Analysis
from jobs.models import Job
from tests.conftest import upload, wait_for

pytestmark = [pytest.mark.cluster]

PARALLEL_UPLOADS = 50


def test_parallel_uploads_during_analysis_all_succeed(
    api, owner, media_dir, long_video, cluster, web_server
):
    busy_job = upload(api, long_video, sample_rate=10).json()["job_id"]
    # At its usual lowest CPU priority the worker can pause while the server
    # is saturated, and it writes progress once a second. Here it must keep
    # writing, often, while the uploads write too.
    cluster.env["REACTION_LAB_WORKER_BACKGROUND"] = "false"
    cluster.env["REACTION_LAB_PROGRESS_INTERVAL_SECONDS"] = "0.05"
    cluster.start()
    wait_for(
        lambda: Job.objects.filter(
            pk=busy_job, status="processing", progress__gt=0
        ).exists(),
        timeout=90,
        message="the long analysis never reported progress",
    )
    web_server.start(workers=2, threads=4)
    headers = {"Authorization": f"Token {Token.objects.create(user=owner).key}"}
    image = (media_dir / "smiling-man.jpg").read_bytes()
    poll_times: list[float] = []
    poll_statuses: list[int] = []
    uploads_done = threading.Event()

    def send_upload(index: int) -> int:
        response = requests.post(
            f"{web_server.url}/analyze",
            files={"file": (f"face-{index}.jpg", image, "image/jpeg")},
            headers=headers,
            timeout=60,
        )
        return response.status_code

    def poll_job() -> None:
        while not uploads_done.is_set():
            started = time.monotonic()
            response = requests.get(
                f"{web_server.url}/queue/jobs/{busy_job}", headers=headers, timeout=60
            )
            poll_times.append(time.monotonic() - started)
            poll_statuses.append(response.status_code)
            time.sleep(0.05)

    poller = threading.Thread(target=poll_job)
    uploads_started = timezone.now()
    poller.start()
    with ThreadPoolExecutor(max_workers=PARALLEL_UPLOADS) as pool:
        statuses = list(pool.map(send_upload, range(PARALLEL_UPLOADS)))
    uploads_done.set()
    poller.join()

    uploads_ended = timezone.now()
    cluster.kill()
    busy = Job.objects.get(pk=busy_job)
    new_jobs = Job.objects.exclude(pk=busy_job)
    assert statuses == [202] * PARALLEL_UPLOADS
    assert Analysis.objects.count() == PARALLEL_UPLOADS + 1
    assert new_jobs.count() == PARALLEL_UPLOADS
    assert not new_jobs.filter(status="failed").exists()
    assert new_jobs.filter(status="queued").count() <= OrmQ.objects.count()
    # The worker was still analysing, and so writing progress, throughout.
    assert busy.finished_at is None or busy.finished_at > uploads_ended
    assert busy.heartbeat_at > uploads_started
    assert poll_times
    assert set(poll_statuses) == {200}
    for log in (web_server.log(), cluster.log()):
        assert "database is locked" not in log
        assert "Traceback" not in log
