"""Run the ffmpeg binary shipped in the imageio-ffmpeg wheel, safely.

Every command is an argument list (never a shell string), every input path
goes through `input_url` so that ffmpeg reads it as a plain file, and
`FfmpegProcess` kills ffmpeg when a `time.monotonic()` deadline passes.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import subprocess
import threading
import time
from pathlib import Path

import imageio_ffmpeg

logger = logging.getLogger(__name__)

# Lines of ffmpeg's stderr kept for error messages.
STDERR_TAIL_LINES = 20

# The message ffmpeg's demuxers log when a file ends before the data its
# index points to, as in an MP4 cut short after its moov atom.
TRUNCATION_MESSAGE = "partial file"


@functools.cache
def ffmpeg_exe() -> str:
    """Return the path of the ffmpeg binary bundled with imageio-ffmpeg."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def input_url(path: str | Path) -> str:
    """Return `path` as an ffmpeg URL that can only mean a local file.

    Without the `file:` prefix, ffmpeg would read a name such as
    `concat:a|b` or `http:x` as a protocol.
    """
    return "file:" + os.path.abspath(path)


def seconds_left(deadline: float | None) -> float | None:
    """Return the seconds until `deadline`, or None when there is none.

    Raises TimeoutError when the deadline has already passed.
    """
    if deadline is None:
        return None

    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("The processing deadline passed before ffmpeg started.")

    return left


class FfmpegProcess:
    """An ffmpeg child process with a deadline watchdog and a drained stderr.

    stdout is a pipe for the caller to read. stderr is read by a thread
    that keeps the last lines, so a chatty ffmpeg cannot fill the pipe and
    stall. When the deadline passes, the watchdog kills ffmpeg, which ends
    any blocked read, and `timed_out` becomes True.
    """

    def __init__(self, args: list[str], *, deadline: float | None = None) -> None:
        self.args = args
        self.timed_out = False
        self.input_truncated = False
        self.returncode: int | None = None
        self.stdout_text = ""
        self.stderr_tail: collections.deque[str] = collections.deque(
            maxlen=STDERR_TAIL_LINES
        )
        timeout = seconds_left(deadline)
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # A session of its own keeps a terminal's Ctrl-C from reaching
            # ffmpeg, which would exit with an error mid-job; the caller
            # stops it by closing the frames or by the deadline.
            start_new_session=True,
        )
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        self._watchdog: threading.Timer | None = None
        if timeout is not None:
            self._watchdog = threading.Timer(timeout, self._expire)
            self._watchdog.daemon = True
            self._watchdog.start()

    @property
    def stdout(self):
        return self.process.stdout

    def _drain_stderr(self) -> None:
        for raw_line in self.process.stderr:
            line = raw_line.decode("utf-8", "replace").rstrip()
            if line:
                self.stderr_tail.append(line)
            if TRUNCATION_MESSAGE in line:
                self.input_truncated = True

    def _expire(self) -> None:
        self.timed_out = True
        self.kill()

    def kill(self) -> None:
        """Kill ffmpeg if it is still running."""
        if self.process.poll() is None:
            self.process.kill()

    def wait(self) -> int:
        """Wait for ffmpeg to exit, stop the watchdog and return the exit code."""
        returncode = self.process.wait()
        self._stderr_thread.join(timeout=5)
        if self._watchdog is not None:
            self._watchdog.cancel()
        self.process.stdout.close()
        self.process.stderr.close()
        return returncode

    def stderr_text(self) -> str:
        return "\n".join(self.stderr_tail)

    def __enter__(self) -> FfmpegProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
        self.wait()


def run_ffmpeg(args: list[str], *, deadline: float | None = None) -> FfmpegProcess:
    """Run ffmpeg to completion and return the finished process.

    Its `returncode`, `stdout_text`, `stderr_text()` and `input_truncated`
    describe the run. Raises TimeoutError, after killing ffmpeg, when the
    deadline passes.
    """
    with FfmpegProcess(args, deadline=deadline) as ffmpeg_run:
        ffmpeg_run.stdout_text = ffmpeg_run.stdout.read().decode("utf-8", "replace")
        ffmpeg_run.returncode = ffmpeg_run.wait()

    if ffmpeg_run.timed_out:
        raise TimeoutError(f"ffmpeg ran past its deadline: {' '.join(args)}")

    return ffmpeg_run
