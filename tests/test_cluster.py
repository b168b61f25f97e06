"""Queue behaviour with a real qcluster process."""

from __future__ import annotations

import pytest

from jobs.models import Job
from tests.conftest import upload, wait_for

pytestmark = [pytest.mark.cluster]


def test_jobs_queued_without_worker_run_in_order(api, media_dir, cluster):
    names = ["no-faces.jpg", "smiling-man.jpg", "no-faces.jpg", "smiling-man.jpg"]
    job_ids = [upload(api, media_dir / name).json()["job_id"] for name in names]
    assert Job.objects.filter(status="queued").count() == len(names)

    cluster.start()

    wait_for(
        lambda: Job.objects.filter(status="completed").count() == len(names),
        timeout=120,
        message="jobs did not complete",
    )
    started = list(Job.objects.order_by("started_at").values_list("pk", flat=True))
    assert started == job_ids
    assert all(job.attempts == 1 for job in Job.objects.all())
    assert "Traceback" not in cluster.log()
