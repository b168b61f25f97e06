"""Retries that race each other queue a failed job once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from django.db import connections
from django_q.models import OrmQ
from rest_framework.test import APIClient

from analyses.models import Analysis
from jobs.models import Job
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db(transaction=True)

RETRY_IN_SUBPROCESS = """
import sys, time
import django
django.setup()
from jobs.models import Job
start_at = float(sys.argv[2])
while time.time() < start_at:
    time.sleep(0.001)
print(Job.objects.get(pk=int(sys.argv[1])).retry())
"""


@pytest.fixture
def failed_job(owner, data_dir) -> Job:
    analysis = Analysis.objects.create(
        owner=owner, video="analyses/x/source.mp4", size=1
    )
    return Job.objects.create(
        owner=owner,
        job_type=Job.Type.VIDEO_ANALYSIS,
        analysis=analysis,
        status=Job.Status.FAILED,
        attempts=1,
        error="boom",
        error_category="unknown",
    )


def run_in_threads(count: int, action) -> list:
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = action()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_retries_from_threads_queue_job_once(failed_job):
    results = run_in_threads(8, lambda: Job.objects.get(pk=failed_job.pk).retry())

    assert results.count(True) == 1
    assert results.count(False) == 7
    assert Job.objects.get(pk=failed_job.pk).status == "queued"
    assert OrmQ.objects.count() == 1


def test_api_retries_from_threads_answer_202_once(failed_job, owner):
    def retry_through_api() -> int:
        client = APIClient()
        client.force_authenticate(owner)
        return client.post(f"/queue/jobs/{failed_job.pk}/retry").status_code

    statuses = run_in_threads(6, retry_through_api)

    assert sorted(statuses) == [202, 409, 409, 409, 409, 409]
    assert OrmQ.objects.count() == 1


def test_retries_from_processes_queue_job_once(failed_job, cluster_env):
    start_at = str(time.time() + 4)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RETRY_IN_SUBPROCESS, str(failed_job.pk), start_at],
            cwd=REPO_ROOT,
            env=cluster_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]

    outputs = [process.communicate(timeout=60) for process in processes]

    answers = [stdout.decode().strip() for stdout, _ in outputs]
    assert sorted(answers) == ["False", "False", "False", "True"], outputs
    assert OrmQ.objects.count() == 1
