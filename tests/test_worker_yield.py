"""The worker leaves the web server a core while people use the site."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jobs import activity
from jobs.activity import CoreYielder, seconds_since_activity, set_tree_affinity
from jobs.models import Job
from tests.conftest import ffmpeg, upload, wait_for

pytestmark = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="needs a machine with 2 or more cores"
)


@pytest.fixture(autouse=True)
def _no_mark_throttle(monkeypatch):
    # Marks and checks are rate-limited per process; tests need each one.
    monkeypatch.setattr(activity, "_last_mark", 0.0)
    monkeypatch.setattr(activity, "MARK_INTERVAL_SECONDS", 0.0)
    monkeypatch.setattr(activity, "CHECK_INTERVAL_SECONDS", 0.0)


def make_old(path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_signed_in_upload_marks_site(client, owner, media_dir, data_dir):
    client.force_login(owner)
    assert seconds_since_activity() is None

    response = upload(client, media_dir / "smiling-man.jpg")

    assert response.status_code == 202
    assert (data_dir / "site-activity").exists()
    assert seconds_since_activity() < 5


def test_token_upload_marks_site(owner, media_dir, data_dir):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner)}")

    response = upload(client, media_dir / "smiling-man.jpg")

    assert response.status_code == 202
    assert seconds_since_activity() < 5


def test_page_view_does_not_mark_site(client, owner, data_dir):
    client.force_login(owner)

    response = client.get("/")

    assert response.status_code == 200
    assert seconds_since_activity() is None


def test_anonymous_post_does_not_mark_site(client, db, media_dir, data_dir):
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert upload(client, media_dir / "smiling-man.jpg").status_code in (401, 403)
    assert upload(bad_token, media_dir / "smiling-man.jpg").status_code in (401, 403)
    assert seconds_since_activity() is None


def test_mark_off_when_yield_disabled(client, owner, media_dir, data_dir, settings):
    settings.WORKER_YIELD_SECONDS = 0
    client.force_login(owner)

    upload(client, media_dir / "smiling-man.jpg")

    assert seconds_since_activity() is None


def test_yielder_moves_process_and_children(data_dir):
    all_cores = os.sched_getaffinity(0)
    child = subprocess.Popen(["sleep", "60"])
    try:
        yielder = CoreYielder(yield_seconds=30)
        fewer = set(sorted(all_cores)[1:])

        yielder.check()
        assert os.sched_getaffinity(0) == all_cores

        activity.mark_site_active()
        yielder.check()
        assert yielder.narrowed
        assert os.sched_getaffinity(0) == fewer
        assert os.sched_getaffinity(child.pid) == fewer

        make_old(activity.activity_file(), 31)
        yielder.check()
        assert not yielder.narrowed
        assert os.sched_getaffinity(0) == all_cores
        assert os.sched_getaffinity(child.pid) == all_cores
    finally:
        child.kill()
        child.wait()
        set_tree_affinity(all_cores)


def test_yielder_survives_unreadable_marker(data_dir, caplog):
    all_cores = os.sched_getaffinity(0)
    marker = activity.activity_file()
    yielder = CoreYielder(yield_seconds=30)
    try:
        activity.mark_site_active()
        yielder.check()
        assert yielder.narrowed

        # A link to itself: stat fails with ELOOP rather than ENOENT.
        marker.unlink()
        marker.symlink_to(marker.name)
        with pytest.raises(OSError):
            seconds_since_activity()
        yielder.check()
        yielder.check()

        assert not yielder.narrowed
        assert os.sched_getaffinity(0) == all_cores
        warnings = [r for r in caplog.records if "uses every core" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        set_tree_affinity(all_cores)


def test_yielder_ignores_marker_dated_later(data_dir):
    all_cores = os.sched_getaffinity(0)
    yielder = CoreYielder(yield_seconds=30)
    try:
        activity.mark_site_active()
        # As after the clock was set back by an hour.
        make_old(activity.activity_file(), -3600)
        yielder.check()

        assert not yielder.narrowed
        assert os.sched_getaffinity(0) == all_cores
    finally:
        set_tree_affinity(all_cores)


@pytest.mark.cluster
def test_busy_worker_yields_core_to_uploads(
    client, owner, media_dir, cluster, tmp_path
):
    # About 13 minutes of 596x336 video keeps the worker busy for a while.
    video = tmp_path / "talking-woman-looped.mp4"
    ffmpeg(
        "-stream_loop", "50", "-i", str(media_dir / "talking-woman.mp4"),
        "-c", "copy", str(video),
    )  # fmt: skip
    client.force_login(owner)
    job_id = upload(client, video).json()["job_id"]
    make_old(activity.activity_file(), 3600)
    all_cores = os.sched_getaffinity(0)
    fewer = set(sorted(all_cores)[1:])
    cluster.start()
    wait_for(
        lambda: Job.objects.filter(pk=job_id, status="processing", progress__gt=0)
        .exclude(worker_pid=None)
        .exists(),
        timeout=120,
        message="the long analysis did not start",
    )
    worker_pid = Job.objects.get(pk=job_id).worker_pid
    assert os.sched_getaffinity(worker_pid) == all_cores

    upload(client, media_dir / "smiling-man.jpg")

    wait_for(
        lambda: tree_affinities(worker_pid) == [fewer],
        timeout=10,
        message="the worker did not yield a core after an upload",
    )
    make_old(activity.activity_file(), 3600)
    wait_for(
        lambda: tree_affinities(worker_pid) == [all_cores],
        timeout=10,
        message="the worker did not take the core back",
    )
    assert Job.objects.get(pk=job_id).status == "processing"
    # The worker's ffmpeg child was among the processes moved, and its
    # thread count is set for every core, whichever cores it started on.
    children = child_pids(worker_pid)
    assert len(children) >= 1
    with open(f"/proc/{children[0]}/cmdline", "rb") as cmdline:
        arguments = cmdline.read().decode().split("\0")
    assert "ffmpeg" in arguments[0]
    threads = arguments[arguments.index("-threads") + 1]
    assert threads == str(len(all_cores))


def child_pids(pid: int) -> list[int]:
    pids = []
    for thread_id in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{thread_id}/children") as children:
                pids += [int(child) for child in children.read().split()]
        except FileNotFoundError:
            continue  # The thread ended meanwhile.
    return pids


def tree_affinities(pid: int) -> list[set[int]]:
    """Return the distinct affinities of every thread of `pid` and its children."""
    affinities = []
    for process in [pid, *child_pids(pid)]:
        try:
            thread_ids = os.listdir(f"/proc/{process}/task")
        except FileNotFoundError:
            continue  # The process ended meanwhile.
        for thread_id in thread_ids:
            try:
                cores = os.sched_getaffinity(int(thread_id))
            except ProcessLookupError:
                continue
            if cores not in affinities:
                affinities.append(cores)
    return affinities
