"""The `serve` command behind `make run`: first start and a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.conftest import REPO_ROOT, free_port, wait_for

pytestmark = pytest.mark.cluster


def processes_using(data_dir: Path) -> list[int]:
    """Return the pids of live processes started with this data folder."""
    marker = f"REACTION_LAB_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if marker in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def server_is_up(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def test_serve_creates_admin_and_stops_on_ctrl_c(cluster_env, data_dir):
    port = free_port()
    output_path = data_dir / "serve.log"
    with output_path.open("wb") as output:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=cluster_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/accounts/login/"
    wait_for(lambda: server_is_up(url), timeout=60, message="serve did not start")
    wait_for(
        lambda: len(processes_using(data_dir)) >= 4,
        timeout=60,
        message="the cluster did not start",
    )

    serve.send_signal(signal.SIGINT)
    serve.wait(timeout=45)

    log = output_path.read_text()
    password = log.split("password:", 1)[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert "Reaction Lab stopped." in log
    assert serve.returncode == 0
    time.sleep(0.5)
    assert processes_using(data_dir) == []
    assert not server_is_up(url)
