"""Leave the web server a core of its own while people are using the site.

Even at the lowest CPU priority, a worker that keeps every core busy
decoding video slows the web server's requests down: on a 2-core machine,
uploads took about twice as long (BENCHMARKS.md). So the web server
touches a file in the data folder for each signed-in request that sends
data (an upload, a retry, a delete). While that file is younger than
WORKER_YIELD_SECONDS, the worker and its ffmpeg child run on one core
fewer. Once the site has been quiet that long, the analysis gets every
core back.

The file works only when the web server and the worker share the data
folder, which they must anyway for the uploaded media.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# The web server touches the file at most this often, per process.
MARK_INTERVAL_SECONDS = 1.0

# The worker reads the file's age at most this often.
CHECK_INTERVAL_SECONDS = 0.25

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_last_mark = 0.0
_mark_failing = False


def activity_file() -> Path:
    return settings.DATA_DIR / "site-activity"


def mark_site_active() -> None:
    """Record that someone is using the site now."""
    global _last_mark, _mark_failing

    now = time.monotonic()
    if now - _last_mark < MARK_INTERVAL_SECONDS:
        return

    _last_mark = now
    path = activity_file()
    try:
        path.touch()
    except OSError as error:
        # Logged once per process until a mark succeeds again.
        if not _mark_failing:
            logger.warning("Failed to mark the site as in use in %s: %s", path, error)
        _mark_failing = True
        return

    _mark_failing = False


def seconds_since_activity() -> float | None:
    """Return how long ago the site was last marked in use, or None if never.

    Raises OSError when the file exists but cannot be read.
    """
    try:
        modified = activity_file().stat().st_mtime
    except FileNotFoundError:
        return None

    return time.time() - modified


class CoreYielder:
    """Narrow this process and its children to one core fewer while the
    site is in use, and widen them again when it has been quiet.

    `check` is cheap enough to call after every analysed sample.
    """

    def __init__(self, yield_seconds: float) -> None:
        self.yield_seconds = yield_seconds
        self.all_cores = _affinity()
        # The worker keeps the highest-numbered cores, as with
        # REACTION_LAB_WORKER_CPUS, and leaves core 0 to the web server.
        self.fewer_cores = set(sorted(self.all_cores)[1:])
        self.narrowed = False
        self._last_check = 0.0
        self._warned = False

    @property
    def enabled(self) -> bool:
        return self.yield_seconds > 0 and len(self.all_cores) > 1

    def check(self) -> None:
        """Narrow or widen the cores to match how recently the site was used."""
        now = time.monotonic()
        if not self.enabled or now - self._last_check < CHECK_INTERVAL_SECONDS:
            return

        self._last_check = now
        try:
            age = seconds_since_activity()
            self._warned = False
        except OSError as error:
            # Only the cores depend on the file, so the job goes on as if
            # the site were quiet. Logged once until the file reads again.
            if not self._warned:
                logger.warning(
                    "Worker pid %s uses every core: could not read %s: %s",
                    os.getpid(),
                    activity_file(),
                    error,
                )
                self._warned = True
            age = None

        # A file dated in the future (the clock was set back) counts as
        # quiet unless it is within the yield period.
        in_use = age is not None and abs(age) < self.yield_seconds
        if in_use == self.narrowed:
            # A new ffmpeg child inherits the cores of the thread that
            # started it, so there is nothing to update.
            return

        cores = self.fewer_cores if in_use else self.all_cores
        set_tree_affinity(cores)
        self.narrowed = in_use
        logger.info(
            "Worker pid %s %s CPUs %s",
            os.getpid(),
            "yields a core to the web server, now on" if in_use else "is back on",
            sorted(cores),
        )


def _affinity() -> set[int]:
    if not hasattr(os, "sched_getaffinity"):
        return set()

    return set(os.sched_getaffinity(0))


def set_tree_affinity(cores: set[int]) -> None:
    """Move every thread of this process and of its child processes to `cores`.

    Linux keeps an affinity per thread, so each thread is set on its own.
    A thread that ends meanwhile is skipped.
    """
    child_pids = set()
    for thread_id in _thread_ids(os.getpid()):
        _set_thread_affinity(thread_id, cores)
        try:
            children = Path(f"/proc/self/task/{thread_id}/children").read_text()
        except OSError:
            continue

        child_pids.update(int(pid) for pid in children.split())

    for pid in child_pids:
        for thread_id in _thread_ids(pid):
            _set_thread_affinity(thread_id, cores)


def _thread_ids(pid: int) -> list[int]:
    try:
        return [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def _set_thread_affinity(thread_id: int, cores: set[int]) -> None:
    try:
        os.sched_setaffinity(thread_id, cores)
    except OSError as error:
        # The thread may have ended meanwhile.
        logger.debug("Could not move thread %s to CPUs %s: %s", thread_id, cores, error)


# The worker process's yielder, set up when django-q2 starts the worker.
_worker_yielder: CoreYielder | None = None


def start_worker_yielder(yield_seconds: float) -> None:
    global _worker_yielder

    _worker_yielder = CoreYielder(yield_seconds)


def worker_core_count() -> int | None:
    """Return how many cores the worker has when the site is quiet, or None
    outside the worker."""
    if _worker_yielder is None or not _worker_yielder.all_cores:
        return None

    return len(_worker_yielder.all_cores)


def match_worker_cores_to_activity() -> None:
    """Narrow or widen the worker's cores; does nothing outside the worker."""
    if _worker_yielder is not None:
        _worker_yielder.check()
