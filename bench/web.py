"""Web-side benchmark figures, measured against a local Reaction Lab server.

`measure_web` starts a child process (`python -m bench.web`) with its own
data folder and SQLite database. That child starts gunicorn and a
qcluster on a free localhost port, drives them over HTTP, and prints its
rows as JSON. Nothing here touches the developer's ./var folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
UPLOAD_BLOCKS = 10
UPLOADS_PER_BLOCK = 20
LIST_REQUESTS = 100
LATENCY_RUNS = 10
MANY_JOBS = 10_000


def measure_web() -> list[dict]:
    """Run the web measurements in a child process and return its rows.

    Each row has `figure`, `value`, `target` (text) and `passed` (a bool,
    or None for a figure without a target).
    """
    completed = subprocess.run(
        [sys.executable, "-m", "bench.web"],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode != 0:
        print(completed.stderr[-4000:], file=sys.stderr)
        return [
            {
                "figure": "web-side figures",
                "value": f"failed (exit status {completed.returncode})",
                "target": "measured",
                "passed": False,
            }
        ]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(share * (len(ordered) - 1)))
    return ordered[index]


class Server:
    """gunicorn and a qcluster over one data folder, on a free port."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "REACTION_LAB_DATA_DIR": str(data_dir),
            "REACTION_LAB_LOG_LEVEL": "WARNING",
        }
        self.web: subprocess.Popen | None = None
        self.cluster: subprocess.Popen | None = None
        self.log = (data_dir / "server.log").open("ab")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
            ],
            cwd=REPO_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_until_up()

    def start_cluster(self, env: dict[str, str] | None = None) -> None:
        self.cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=REPO_DIR,
            env={**self.env, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pause_cluster(self) -> None:
        os.killpg(self.cluster.pid, signal.SIGSTOP)

    def resume_cluster(self) -> None:
        os.killpg(self.cluster.pid, signal.SIGCONT)

    def stop_cluster(self) -> None:
        """Kill the cluster: a graceful stop would wait for the running job."""
        if self.cluster and self.cluster.poll() is None:
            os.killpg(self.cluster.pid, signal.SIGKILL)
            self.cluster.wait(timeout=60)

    def stop(self) -> None:
        self.stop_cluster()
        if self.web and self.web.poll() is None:
            self.web.terminate()
            self.web.wait(timeout=60)

    def wait_until_up(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/accounts/login/", timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"The server on {self.url} did not start within 60 s.")


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="reaction-lab-bench-"))
    os.environ["REACTION_LAB_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO_DIR))

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    # Lets the in-process test client use its "testserver" host name.
    setup_test_environment()

    call_command("migrate", verbosity=0)
    server = Server(data_dir)
    try:
        rows = run_measurements(server)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(rows))


def run_measurements(server: Server) -> list[dict]:
    import requests
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from bench.inputs import SAMPLE_MEDIA_DIR, build_inputs

    user = get_user_model().objects.create_user("bench", password="bench-password")
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    image = (SAMPLE_MEDIA_DIR / "smiling-man.jpg").read_bytes()
    long_video = next(i.path for i in build_inputs() if "10min" in i.path.name)

    server.start_web()
    rows = []

    # Upload response time with the default worker, which yields a core
    # while the site is in use, then with that turned off. The second is
    # shown for comparison only.
    rows += upload_rows(measure_uploads(server, session, image, user, long_video))
    reset_jobs(user)
    no_yield = measure_uploads(
        server,
        session,
        image,
        user,
        long_video,
        {"REACTION_LAB_WORKER_YIELD_SECONDS": "0"},
    )
    rows += upload_rows(no_yield, note="worker never yields a core", scored=False)

    # GET /queue/jobs with 10 jobs and with 10,000.
    rows += list_rows(session, server.url, user)

    # Queue-to-start latency with an idle worker.
    reset_jobs(user)
    server.start_cluster()
    rows.append(latency_row(session, server.url, image, user))
    server.stop_cluster()

    rows += poll_query_rows(user)
    return rows


def measure_uploads(server, session, image, user, long_video, env=None):
    """Time uploads with the worker busy on a long analysis and with it idle.

    The two alternate in blocks, pausing the worker with SIGSTOP for the
    idle blocks, so other load on the machine affects both alike. Returns
    the idle and the busy timings.

    Every upload marks the site as in use, so in the busy blocks the
    worker has already yielded a core (unless `env` turns that off). The
    first upload after `REACTION_LAB_WORKER_YIELD_SECONDS` of quiet is not
    measured: it still meets a worker on every core.
    """
    with long_video.open("rb") as handle:
        session.post(f"{server.url}/analyze", files={"file": ("long.mp4", handle)})
    server.start_cluster(env)
    wait_for_processing(user)
    idle, busy = [], []
    for _ in range(UPLOAD_BLOCKS):
        server.pause_cluster()
        idle += time_uploads(session, server.url, image)
        server.resume_cluster()
        time.sleep(0.5)
        busy += time_uploads(session, server.url, image)
    assert_still_processing(user)
    server.stop_cluster()
    return idle, busy


def time_uploads(session, url: str, image: bytes) -> list[float]:
    timings = []
    for index in range(UPLOADS_PER_BLOCK):
        started = time.perf_counter()
        response = session.post(
            f"{url}/analyze", files={"file": (f"face-{index}.jpg", image)}
        )
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
    return timings


def wait_for_processing(user) -> None:
    from jobs.models import Job

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if Job.objects.filter(owner=user, status="processing", progress__gt=0).exists():
            return
        time.sleep(0.2)
    raise RuntimeError("The long analysis did not start within 120 s.")


def assert_still_processing(user) -> None:
    """Fail the measurement if the long analysis ended before the uploads."""
    from jobs.models import Job

    if not Job.objects.filter(owner=user, status="processing").exists():
        raise RuntimeError("The long analysis ended before the busy uploads did.")


def upload_rows(timings, note: str = "", scored: bool = True) -> list[dict]:
    """Return the median and 95th-percentile rows; unscored rows are shown
    for comparison only."""
    idle, busy = timings
    suffix = f" ({note})" if note else ""
    rows = []
    for name, share in (("median", 0.5), ("95th percentile", 0.95)):
        idle_value = percentile(idle, share)
        busy_value = percentile(busy, share)
        ratio = busy_value / idle_value
        rows.append(
            {
                "figure": f"upload answer time, worker busy / idle, {name}{suffix}",
                "value": f"{busy_value * 1000:.0f} / {idle_value * 1000:.0f} ms"
                f" = {ratio:.2f}",
                "target": "<= 1.5",
                "passed": (ratio <= 1.5) if scored else None,
            }
        )
    return rows


def reset_jobs(user) -> None:
    from analyses.models import Analysis

    Analysis.objects.filter(owner=user).delete()


def make_jobs(user, count: int) -> None:
    """Bulk-create `count` finished jobs (with their analyses) for `user`."""
    from analyses.models import Analysis
    from jobs.models import Job

    analyses = Analysis.objects.bulk_create(
        [
            Analysis(owner=user, video=f"bench/{index}.mp4", original_name="x", size=1)
            for index in range(count)
        ],
        batch_size=500,
    )
    Job.objects.bulk_create(
        [
            Job(
                owner=user,
                analysis=analysis,
                job_type=Job.Type.VIDEO_ANALYSIS,
                status=Job.Status.COMPLETED,
                payload={"sample_rate": 5.0},
            )
            for analysis in analyses
        ],
        batch_size=500,
    )


def time_list(session, url: str) -> float:
    started = time.perf_counter()
    session.get(f"{url}/queue/jobs").raise_for_status()
    return time.perf_counter() - started


def list_rows(session, url: str, user) -> list[dict]:
    """Time the job list of a user with 10 jobs and of one with 10,000.

    Both users' jobs share the table, and the requests alternate, so the
    database and the machine are in the same state for both.
    """
    import requests
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    reset_jobs(user)
    make_jobs(user, MANY_JOBS)
    few_user = get_user_model().objects.create_user("bench-few", password="x")
    make_jobs(few_user, 10)
    few_session = requests.Session()
    few_session.headers["Authorization"] = (
        f"Token {Token.objects.create(user=few_user).key}"
    )

    few, many = [], []
    for _ in range(LIST_REQUESTS):
        few.append(time_list(few_session, url))
        many.append(time_list(session, url))
    few, many = statistics.median(few), statistics.median(many)
    ratio = many / few
    return [
        {
            "figure": f"GET /queue/jobs, {MANY_JOBS:,} jobs / 10 jobs, median",
            "value": f"{many * 1000:.1f} / {few * 1000:.1f} ms = {ratio:.2f}",
            "target": "<= 2",
            "passed": ratio <= 2,
        }
    ]


def latency_row(session, url: str, image: bytes, user) -> dict:
    from jobs.models import Job

    # The worker loads the model when it starts; one job run first means the
    # measured jobs find it idle and ready, as a worker is between jobs.
    warm_up = session.post(f"{url}/analyze", files={"file": ("warm-up.jpg", image)})
    wait_for_status(warm_up.json()["job_id"], Job.Status.COMPLETED, timeout=120)

    latencies = []
    for index in range(LATENCY_RUNS):
        response = session.post(
            f"{url}/analyze", files={"file": (f"latency-{index}.jpg", image)}
        )
        job = wait_for_status(response.json()["job_id"], Job.Status.COMPLETED, 30)
        latencies.append((job.started_at - job.queued_at).total_seconds())

    worst = max(latencies)
    return {
        "figure": "queue to start, worker idle, median / max",
        "value": f"{statistics.median(latencies):.2f} / {worst:.2f} s",
        "target": "< 1 s",
        "passed": worst < 1,
    }


def wait_for_status(job_id: int, status: str, timeout: float):
    from jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.status == status:
            return job
        time.sleep(0.1)
    raise RuntimeError(f"Job {job_id} did not reach {status} within {timeout} s.")


def poll_query_rows(user) -> list[dict]:
    """Count the queries of each status poll with 10,000 jobs in the table."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jobs.models import Job

    make_jobs(user, MANY_JOBS)
    job = Job.objects.filter(owner=user).first()
    client = Client()
    client.force_login(user)
    rows = []
    for label, path in poll_paths(job):
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path, HTTP_HX_REQUEST="true").status_code
        # Sessions and the user lookup are the same for every view.
        count = len(queries) - 2
        rows.append(
            {
                "figure": f"queries per status poll, {label}",
                "value": f"{count} (HTTP {status})",
                "target": "<= 2",
                "passed": count <= 2 and status < 400,
            }
        )
    return rows


def poll_paths(job) -> list[tuple[str, str]]:
    from django.urls import NoReverseMatch, reverse

    paths = [("API job detail", f"/queue/jobs/{job.pk}")]
    for name, args in (
        ("analysis-card", [job.analysis_id]),
        ("analysis-job", [job.analysis_id]),
        ("queue-widget", []),
    ):
        try:
            paths.append((f"page {name}", reverse(name, args=args)))
        except NoReverseMatch:
            continue
    return paths


if __name__ == "__main__":
    main()
