"""Deleting an analysis: its files, reactions and jobs, even mid-queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from analyses.models import Analysis
from jobs.models import Job
from jobs.queue import create_job
from jobs.runner import JobContext, run_next_job
from reactions.models import Reaction
from tests.conftest import upload, wait_for


def stored_files(data_dir: Path) -> list[Path]:
    return [path for path in (data_dir / "media").rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_delete_removes_files_reactions_and_jobs(
    api, owner, media_dir, run_jobs, data_dir
):
    analysis_id = upload(api, media_dir / "smiling-man.jpg").json()["analysis_id"]
    run_jobs()
    analysis = Analysis.objects.get(pk=analysis_id)
    reaction = Reaction(analysis=analysis, recorded_by=owner, size=4)
    reaction.recording.save("recording.webm", ContentFile(b"webm"), save=False)
    reaction.converted.save("converted.mp4", ContentFile(b"mp4"), save=False)
    reaction.save()
    create_job(job_type=Job.Type.REACTION, analysis=analysis, reaction=reaction)
    assert len(stored_files(data_dir)) == 4

    response = api.delete(f"/analyses/{analysis_id}")

    assert response.status_code == 204
    assert not Analysis.objects.exists()
    assert not Reaction.objects.exists()
    assert not Job.objects.exists()
    assert stored_files(data_dir) == []
    assert list((data_dir / "media" / "analyses").iterdir()) == []
    assert list((data_dir / "media" / "reactions").iterdir()) == []


@pytest.mark.django_db
def test_job_of_analysis_deleted_while_queued_ends_cleanly(api, media_dir, run_jobs):
    first = upload(api, media_dir / "smiling-man.jpg").json()
    second = upload(api, media_dir / "no-faces.jpg").json()
    api.delete(f"/analyses/{first['analysis_id']}")

    outcomes = [run_next_job(first["job_id"]), run_next_job(second["job_id"])]

    assert outcomes == ["completed", "idle"]
    assert Job.objects.get().pk == second["job_id"]


@pytest.mark.django_db
def test_analysis_deleted_while_processing_is_not_saved_again(
    api, media_dir, long_video, run_jobs, monkeypatch, data_dir
):
    doomed = upload(api, long_video).json()
    survivor = upload(api, media_dir / "smiling-man.jpg").json()
    original_report = JobContext.report_progress

    def delete_on_first_report(self, fraction):
        if self.job.pk == doomed["job_id"] and fraction > 0:
            Analysis.objects.filter(pk=doomed["analysis_id"]).delete()
        original_report(self, fraction)

    monkeypatch.setattr(JobContext, "report_progress", delete_on_first_report)

    run_jobs()

    assert not Analysis.objects.filter(pk=doomed["analysis_id"]).exists()
    assert not Job.objects.filter(pk=doomed["job_id"]).exists()
    assert Job.objects.get(pk=survivor["job_id"]).status == "completed"
    assert len(stored_files(data_dir)) == 2


@pytest.mark.cluster
def test_worker_survives_deletion_mid_job(
    api, media_dir, long_video, cluster, data_dir
):
    doomed = upload(api, long_video, sample_rate=2).json()
    cluster.start()
    wait_for(
        lambda: Job.objects.filter(pk=doomed["job_id"], progress__gt=0).exists(),
        timeout=90,
        message="the analysis never reported progress",
    )

    api.delete(f"/analyses/{doomed['analysis_id']}")
    survivor = upload(api, media_dir / "smiling-man.jpg").json()

    wait_for(
        lambda: Job.objects.get(pk=survivor["job_id"]).is_finished,
        timeout=60,
        message="the next job did not finish",
    )
    assert Job.objects.get(pk=survivor["job_id"]).status == "completed"
    assert not Analysis.objects.filter(pk=doomed["analysis_id"]).exists()
    assert cluster.is_running
    assert (
        f"Job {doomed['job_id']} was deleted or changed while it ran" in cluster.log()
    )
