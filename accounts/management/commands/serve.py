"""Start the web server and the job cluster together; Ctrl-C stops both."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

STOP_GRACE_SECONDS = 30


class Command(BaseCommand):
    help = (
        "Serve Reaction Lab: a gunicorn web server and a one-worker django-q2 "
        "cluster. On a first start with no user, create an administrator and "
        "print its password once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--host", default=os.environ.get("REACTION_LAB_HOST", "127.0.0.1")
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("REACTION_LAB_PORT", "8000"))
        )
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("REACTION_LAB_WEB_WORKERS", "2")),
            help="gunicorn worker processes (each runs 4 threads).",
        )

    def handle(self, *args, host: str, port: int, web_workers: int, **options) -> None:
        self.create_first_admin()

        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--timeout",
                "300",
                "--access-logfile",
                "-",
            ],
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        # Each child leads a process group of its own, so that stopping
        # reaches all of its processes and a terminal's Ctrl-C reaches only
        # this command, which then stops the children in order.
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        children = [web, cluster]
        self.stdout.write(
            f"Reaction Lab is serving http://{host}:{port}/ (Ctrl-C stops it)"
        )

        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)

        self.stop_children(web, cluster)
        failed = [c.returncode for c in children if c.returncode not in (0, -2, -15)]
        if not stopping and failed:
            sys.exit(f"A server process exited with status {failed[0]}.")

    def stop_children(self, web: subprocess.Popen, cluster: subprocess.Popen) -> None:
        """Stop both process groups; kill whatever is left after the grace period.

        SIGINT makes the worker put its running job back in the queue, and
        gunicorn finishes the requests it is serving on SIGTERM.
        """
        self.signal_group(cluster, signal.SIGINT)
        self.signal_group(web, signal.SIGTERM)

        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in (cluster, web):
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"Process {child.pid} did not stop; killing it.")
            # Children of the group leader (the cluster's worker, gunicorn's
            # workers) can outlive it, so the whole group is killed.
            self.signal_group(child, signal.SIGKILL)
            child.wait()
        self.stdout.write("Reaction Lab stopped.")

    @staticmethod
    def signal_group(child: subprocess.Popen, signum: int) -> None:
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    def create_first_admin(self) -> None:
        User = get_user_model()
        if User.objects.exists():
            return

        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", password=password)
        self.stdout.write(
            self.style.WARNING(
                "Created the administrator account. Sign in with\n"
                f"    user name: admin\n    password:  {password}\n"
                "This password is shown only once; change it under /admin/."
            )
        )
