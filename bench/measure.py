"""The three ways of processing a video that the benchmark compares.

Each function runs in a fresh child process (see `run_in_child`), so its
peak memory is its own. Model loading happens before the clock starts.
"""

from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import statistics
import subprocess
import time
from pathlib import Path

SAMPLE_RATE = 5.0


def run_in_child(function, *args) -> dict:
    """Run `function(*args)` in a new spawned process and return its result."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def peak_memory() -> dict:
    """Return the peak resident memory of this process, in MiB.

    ffmpeg children are left out because their ru_maxrss (RUSAGE_CHILDREN)
    reported the Python parent's peak rather than ffmpeg's own on Linux.
    """
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {"rss_mib": int(fields["VmHWM"].split()[0]) / 1024}


def floor_command(path: str) -> list[str]:
    """Return the ffmpeg command that decodes `path` with the same sampling."""
    from vision.ffmpeg_process import ffmpeg_exe, input_url

    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        input_url(path),
        "-vf",
        f"fps={SAMPLE_RATE}:round=up",
        "-f",
        "null",
        "-",
    ]


def measure_naive(path: str, repeats: int) -> dict:
    """Time OpenCV reading every frame and fer's default FER() on each sample."""
    import cv2
    from fer.fer import FER

    model = FER()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        timeline = naive_timeline(path, model, cv2)
        times.append(time.perf_counter() - start)

    return {"seconds": statistics.median(times), "timeline": timeline, **peak_memory()}


def naive_timeline(path: str, model, cv2) -> list[dict]:
    capture = cv2.VideoCapture(path)
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    timeline = []
    next_frame = 0
    index = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break

        # The frame on screen at each sample time, as Reaction Lab samples.
        if index == next_frame:
            faces = model.detect_emotions(frame)
            timeline.append(
                {
                    "time": len(timeline) / SAMPLE_RATE,
                    "faces": [
                        {
                            "box": [int(v) for v in face["box"]],
                            "emotions": face["emotions"],
                        }
                        for face in faces
                    ],
                }
            )
            next_frame = math.floor(len(timeline) / SAMPLE_RATE * fps + 1e-6)

        index += 1

    capture.release()
    return timeline


def measure_reaction_lab(path: str, repeats: int, cpus: int = 0) -> dict:
    """Time `vision.analyzer.analyze`, the code path the application runs.

    Each run follows a run of the floor (ffmpeg decoding with the same
    sampling, frames discarded), so that other work on the machine slows
    both alike and their ratio stays meaningful. Both run at the worker's
    default CPU priority, as the worker does, and on `cpus` cores (0 for
    all), as the worker does on one core fewer while the site is in use.
    """
    from jobs.priority import lower_worker_priority
    from vision.analyzer import analyze, load_model

    lower_worker_priority(background=True, cpus=cpus)
    load_model()
    floor_times = []
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(floor_command(path), check=True)
        floor_times.append(time.perf_counter() - start)

        start = time.perf_counter()
        result = analyze(Path(path), sample_rate=SAMPLE_RATE)
        times.append(time.perf_counter() - start)

    return {
        "seconds": statistics.median(times),
        "floor_seconds": statistics.median(floor_times),
        "timeline": result.timeline,
        "model_loads": load_model.cache_info().misses,
        **peak_memory(),
    }
