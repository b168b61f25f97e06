"""Create jobs and hand them to the django-q2 cluster.

Each queued job puts one task on django-q2's database broker, after the
surrounding transaction commits. A task carries only a job's primary key,
and the worker runs the oldest queued job when a task arrives: the job
table, not the broker, fixes the order, because django-q2's ORM broker
reads its tasks without an ORDER BY.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_q.tasks import async_task

from jobs.models import Job

logger = logging.getLogger(__name__)

TASK_PATH = "jobs.runner.run_next_job"


def create_job(*, job_type: str, analysis, reaction=None, payload=None) -> Job:
    """Save a queued job and send its task once the transaction commits."""
    job = Job.objects.create(
        owner=analysis.owner,
        job_type=job_type,
        analysis=analysis,
        reaction=reaction,
        payload=payload or {},
    )
    enqueue_task(job)
    return job


def enqueue_task(job: Job) -> None:
    def send() -> None:
        task_id = async_task(TASK_PATH, job.pk, task_name=f"job-{job.pk}")
        Job.objects.filter(pk=job.pk).update(task_id=str(task_id or ""))
        logger.info("Job %s queued as task %s", job.pk, task_id)

    transaction.on_commit(send)
