"""Taking back jobs left processing by a worker that is gone."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from analyses.models import Analysis
from jobs.models import Job
from jobs.recovery import recover_interrupted_jobs
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def analysis(owner, data_dir) -> Analysis:
    return Analysis.objects.create(owner=owner, video="analyses/x/source.mp4", size=1)


def processing_job(
    analysis, worker_pid: int, started_ago: timedelta, attempts=1, crashes=0
) -> Job:
    started = timezone.now() - started_ago
    return Job.objects.create(
        owner=analysis.owner,
        job_type=Job.Type.VIDEO_ANALYSIS,
        analysis=analysis,
        status=Job.Status.PROCESSING,
        attempts=attempts,
        crashes=crashes,
        started_at=started,
        heartbeat_at=started,
        worker_pid=worker_pid,
    )


@pytest.fixture
def zombie_pid():
    """The pid of a child process that has exited but was not reaped yet."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_for(lambda: _state(child.pid) == "Z", timeout=10)
    yield child.pid
    child.wait()


@pytest.fixture
def sleeper():
    child = subprocess.Popen(["sleep", "60"])
    yield child
    child.kill()
    child.wait()


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def test_job_of_a_zombie_worker_is_queued_again(analysis, zombie_pid):
    job = processing_job(analysis, zombie_pid, timedelta(seconds=5))

    recover_interrupted_jobs()

    job.refresh_from_db()
    assert job.status == "queued"
    assert job.worker_pid is None
    assert Analysis.objects.get(pk=analysis.pk).status == "queued"
    assert OrmQ.objects.count() == 1


def test_job_of_a_reused_pid_is_queued_again(analysis, sleeper):
    job = processing_job(analysis, sleeper.pid, timedelta(minutes=2))

    recover_interrupted_jobs()

    job.refresh_from_db()
    assert job.status == "queued"


def test_job_of_a_live_worker_is_left_alone(analysis, sleeper):
    job = processing_job(analysis, sleeper.pid, timedelta(0))

    recover_interrupted_jobs()

    job.refresh_from_db()
    assert job.status == "processing"
    assert OrmQ.objects.count() == 0


def test_job_out_of_attempts_fails_as_transient(analysis, settings, zombie_pid):
    crashes_before = settings.JOB_MAX_ATTEMPTS - 1
    job = processing_job(
        analysis, zombie_pid, timedelta(seconds=5), attempts=3, crashes=crashes_before
    )

    recover_interrupted_jobs()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error_category == "analysis_failed"
    assert job.crashes == settings.JOB_MAX_ATTEMPTS
    assert f"{settings.JOB_MAX_ATTEMPTS} times" in job.error_user_message
    assert job.is_transient is True
    assert "stopped while running" in job.error
    assert job.error_user_message
    assert Analysis.objects.get(pk=analysis.pk).status == "failed"


def test_job_past_its_time_limit_fails_as_timeout(analysis, settings, zombie_pid):
    settings.ANALYSIS_PROCESSING_TIMEOUT_SECONDS = 60
    job = processing_job(analysis, zombie_pid, timedelta(minutes=2))

    recover_interrupted_jobs()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error_category == "timeout"


def test_clean_stops_do_not_count_as_crashes(analysis, settings, zombie_pid):
    # Attempts include runs ended by Ctrl-C; only crashes use up the limit.
    job = processing_job(
        analysis,
        zombie_pid,
        timedelta(seconds=5),
        attempts=settings.JOB_MAX_ATTEMPTS + 2,
    )

    recover_interrupted_jobs()

    job.refresh_from_db()
    assert job.status == "queued"
    assert job.crashes == 1


def test_retry_clears_crash_count(analysis, settings):
    job = Job.objects.create(
        owner=analysis.owner,
        job_type=Job.Type.VIDEO_ANALYSIS,
        analysis=analysis,
        status=Job.Status.FAILED,
        attempts=settings.JOB_MAX_ATTEMPTS,
        crashes=settings.JOB_MAX_ATTEMPTS,
    )

    assert job.retry()

    job.refresh_from_db()
    assert job.status == "queued"
    assert job.crashes == 0
    assert job.attempts == settings.JOB_MAX_ATTEMPTS
