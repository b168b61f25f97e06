"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from jobs.handlers import get_handler, register

REPO_ROOT = Path(__file__).resolve().parent.parent

# A job type that only appends its job's id to `runs.log` in the data
# folder. Queue tests use it to run hundreds of jobs in seconds, and the
# log shows how often and in which order each job ran.
RECORDING_JOB_TYPE = "test_recording"


def record_run(job, context) -> None:
    log = Path(settings.MEDIA_ROOT).parent / "runs.log"
    with log.open("a") as handle:
        handle.write(f"{job.pk}\n")


def recorded_runs(data_dir: Path) -> list[int]:
    log = data_dir / "runs.log"
    if not log.exists():
        return []
    return [int(line) for line in log.read_text().split()]


# pytest imports this file both as `conftest` and as `tests.conftest`.
try:
    get_handler(RECORDING_JOB_TYPE)
except LookupError:
    register(RECORDING_JOB_TYPE)(record_run)


@pytest.fixture(scope="session")
def media_dir() -> Path:
    """The folder of sample media with real faces.

    Set REACTION_LAB_SAMPLE_MEDIA to use another copy; tests that need it
    are skipped when it is missing, so a bare clone still passes.
    """
    folder = Path(
        os.environ.get(
            "REACTION_LAB_SAMPLE_MEDIA", REPO_ROOT.parent / "shared" / "media"
        )
    )
    if not (folder / "talking-woman.mp4").is_file():
        pytest.skip(
            f"sample media not found in {folder} (set REACTION_LAB_SAMPLE_MEDIA)"
        )
    return folder


@pytest.fixture
def data_dir(tmp_path, settings) -> Path:
    """A private media folder for the test; uploads and results land here."""
    folder = tmp_path / "data"
    (folder / "media").mkdir(parents=True)
    settings.DATA_DIR = folder
    settings.MEDIA_ROOT = folder / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder / "media")},
        },
    }
    return folder


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", password="owner-password")


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(
        "outsider", password="outsider-password"
    )


@pytest.fixture
def api(owner, data_dir) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def outsider_api(outsider, data_dir) -> APIClient:
    client = APIClient()
    client.force_authenticate(outsider)
    return client


@pytest.fixture(autouse=True)
def _no_media_outside_tests(settings, tmp_path_factory):
    """Keep every test's files out of the developer's ./var folder."""
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    if "location" in settings.STORAGES["default"].get("OPTIONS", {}):
        folder = tmp_path_factory.mktemp("media")
        settings.MEDIA_ROOT = folder
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder)},
            },
        }


def drain_queue() -> list:
    """Run queued jobs in this process until none is left; return them."""
    from jobs.runner import claim_next_job, execute

    finished = []
    while (job := claim_next_job()) is not None:
        execute(job)
        try:
            job.refresh_from_db()
        except job.DoesNotExist:
            # Its analysis was deleted while it ran.
            continue
        finished.append(job)
    return finished


@pytest.fixture
def run_jobs():
    return drain_queue


def upload(client, path: Path, name: str | None = None, **extra):
    with path.open("rb") as handle:
        return client.post(
            "/analyze",
            {"file": (handle if name is None else _named(handle, name)), **extra},
            format="multipart",
        )


def _named(handle, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, handle.read())


@pytest.fixture
def sample_upload():
    return upload


def test_database_url() -> str:
    """The URL of the database this test run uses, for child processes."""
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"

    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = config.get("HOST") or "127.0.0.1"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{config['NAME']}"


QCLUSTER_WITH_TEST_JOBS = """
import django
django.setup()
import tests.conftest
from django.core.management import call_command
call_command("qcluster")
"""


class Cluster:
    """A real `manage.py qcluster` process on the test database."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, with_test_jobs: bool = False) -> None:
        """Start the cluster; `with_test_jobs` also registers RECORDING_JOB_TYPE."""
        command = [sys.executable, "manage.py", "qcluster"]
        if with_test_jobs:
            # The workers are forked from this process, so they inherit
            # the handlers that importing the test fixtures registers.
            command = [sys.executable, "-c", QCLUSTER_WITH_TEST_JOBS]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        """Stop the cluster the way Ctrl-C would, and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Kill the cluster and all its processes at once, as a crash would."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture
def cluster_env(transactional_db, data_dir) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "REACTION_LAB_DATA_DIR": str(data_dir),
        "REACTION_LAB_LOG_LEVEL": "INFO",
    }


@pytest.fixture
def cluster(cluster_env, data_dir):
    """A qcluster controller; the test calls start(). Stopped afterwards."""
    controller = Cluster(cluster_env, data_dir / "qcluster.log")
    yield controller
    controller.stop()


def wait_for(condition, timeout: float, interval: float = 0.25, message: str = ""):
    """Poll `condition` until it returns a true value or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer:
    """A real gunicorn process serving the project on the test database."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, workers: int = 2, threads: int = 4) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "120",
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            self._answers, timeout=30, message=f"gunicorn did not start: {self.log()}"
        )

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
        return True

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def web_server(cluster_env, data_dir):
    """A gunicorn controller on a free localhost port; the test calls start()."""
    controller = WebServer(cluster_env, data_dir / "web.log")
    yield controller
    controller.stop()


def ffmpeg(*args: str) -> None:
    """Run the bundled ffmpeg with `args`; fail the test with its output."""
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args]
    result = subprocess.run(command, capture_output=True, timeout=300)
    if result.returncode != 0:
        raise AssertionError(
            f"ffmpeg {' '.join(args)} failed: {result.stderr.decode()}"
        )


@pytest.fixture(scope="session")
def long_video(media_dir, tmp_path_factory) -> Path:
    """talking-woman.mp4 looped to about 77 s, for jobs that must run a while."""
    target = tmp_path_factory.mktemp("long") / "talking-woman-77s.mp4"
    ffmpeg(
        "-stream_loop",
        "4",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-c",
        "copy",
        str(target),
    )
    return target


@pytest.fixture(scope="session")
def streamed_webm(media_dir, tmp_path_factory) -> Path:
    """A 3 s VP8 WebM written to a pipe, so its header has no duration, as
    with the files that browsers' MediaRecorder produces."""
    from vision.ffmpeg_process import ffmpeg_exe

    command = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-t", "3", "-i", str(media_dir / "talking-woman.mp4"),
        "-c:v", "libvpx", "-deadline", "realtime", "-b:v", "500k",
        "-f", "webm", "pipe:1",
    ]  # fmt: skip
    webm = tmp_path_factory.mktemp("streamed") / "recording.webm"
    webm.write_bytes(subprocess.run(command, capture_output=True, check=True).stdout)
    return webm
