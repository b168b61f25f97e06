"""Run the benchmark, print its table and write it to BENCHMARKS.md."""

from __future__ import annotations

import datetime
import os
import platform
import sys

from bench.inputs import REPO_DIR, build_inputs
from bench.measure import (
    SAMPLE_RATE,
    measure_naive,
    measure_reaction_lab,
    run_in_child,
)
from bench.web import UPLOAD_BLOCKS, UPLOADS_PER_BLOCK, measure_web
from vision.analyzer import summarize

BENCHMARKS_FILE = REPO_DIR / "BENCHMARKS.md"
COMMAND = "make bench  (runs .venv/bin/python -m bench)"

# Timed runs of the floor and of Reaction Lab on the 15 s inputs; the
# median is reported. Naive runs once because it is 5 to 20 times slower.
REPEATS = 5


WEB_NOTES = (
    "Measured against gunicorn (2 processes, 4 threads each) and a qcluster "
    "started by `bench/web.py` on localhost, on their own SQLite database. "
    f"Upload times: {UPLOAD_BLOCKS} blocks of {UPLOADS_PER_BLOCK} uploads of "
    "smiling-man.jpg with the worker idle (stopped with SIGSTOP), each "
    "followed by a block with it busy on the 10-minute video. Every upload "
    "marks the site as in use, so the busy blocks meet a worker that has "
    "already yielded a core. The first upload after "
    "`REACTION_LAB_WORKER_YIELD_SECONDS` of quiet, which meets a worker on "
    "every core, is not measured; the rows with yielding turned off show "
    "what it costs. Job list: alternate requests by a user with 10,000 jobs "
    "and one with 10, whose jobs share the table, 100 each."
)


def main() -> None:
    inputs = build_inputs()
    rows = []
    for bench_input in inputs:
        print(f"Measuring {bench_input.label} ...", flush=True)
        rows.append(measure_input(bench_input))

    checks = target_checks(rows)
    web_rows = measure_web()
    report = render_report(rows, checks, web_rows)
    print(report)
    BENCHMARKS_FILE.write_text(report)
    print(f"Wrote {BENCHMARKS_FILE}")
    # Web rows shown for comparison only have `passed` None.
    scored = [*checks, *web_rows]
    if any(item["passed"] is False for item in scored):
        sys.exit(1)


def measure_input(bench_input) -> dict:
    path = str(bench_input.path)
    repeats = REPEATS if bench_input.run_naive else 1
    reaction_lab = run_in_child(measure_reaction_lab, path, repeats)
    row = {
        "label": bench_input.label,
        "floor": {"seconds": reaction_lab["floor_seconds"], "rss_mib": None},
        "reaction_lab": reaction_lab,
        "naive": None,
    }
    if bench_input.run_naive:
        row["one_core"] = run_in_child(measure_reaction_lab, path, repeats, 1)
        row["naive"] = run_in_child(measure_naive, path, 1)
        row["quality"] = compare_timelines(
            row["naive"]["timeline"], row["reaction_lab"]["timeline"]
        )

    return row


def compare_timelines(naive: list[dict], ours: list[dict]) -> dict:
    """Compare Reaction Lab's timeline with the naive one, sample by sample.

    `recall` is the share of samples where naive found a face in which
    Reaction Lab found one too. `tv_distance` is the total-variation
    distance between the two summaries' emotion shares: half the sum of
    the absolute differences, from 0 (same) to 1 (disjoint).
    """
    pairs = list(zip(naive, ours, strict=False))
    naive_face_samples = [
        ours_sample for naive_sample, ours_sample in pairs if naive_sample["faces"]
    ]
    found = sum(1 for sample in naive_face_samples if sample["faces"])
    naive_shares = summarize(naive)["shares"]
    our_shares = summarize(ours)["shares"]
    distance = sum(abs(naive_shares[e] - our_shares[e]) for e in naive_shares) / 2
    return {
        "recall": found / len(naive_face_samples) if naive_face_samples else 1.0,
        "tv_distance": distance,
        "naive_samples": len(naive),
        "samples": len(ours),
    }


def target_checks(rows: list[dict]) -> list[dict]:
    """Compare the measurements with the performance targets."""
    checks = []
    short, upscaled, long_video = rows
    for row in (short, upscaled):
        ratio = row["reaction_lab"]["seconds"] / row["floor"]["seconds"]
        checks.append(
            check(f"Reaction Lab / floor, {row['label']}", ratio, "<=", 2.0, "x")
        )

    speedup = upscaled["naive"]["seconds"] / upscaled["reaction_lab"]["seconds"]
    checks.append(
        check(f"naive / Reaction Lab, {upscaled['label']}", speedup, ">=", 6.0, "x")
    )
    for row in (short, upscaled):
        quality = row["quality"]
        checks.append(
            check(
                f"faces kept vs naive, {row['label']}",
                quality["recall"] * 100,
                ">=",
                98.0,
                "%",
            )
        )
        checks.append(
            check(
                f"TV distance of shares vs naive, {row['label']}",
                quality["tv_distance"],
                "<=",
                0.10,
                "",
            )
        )

    memory_ratio = (
        long_video["reaction_lab"]["rss_mib"] / short["reaction_lab"]["rss_mib"]
    )
    checks.append(
        check("peak RSS, 10-minute 720p / 15 s video", memory_ratio, "<=", 1.3, "x")
    )
    loads = max(row["reaction_lab"]["model_loads"] for row in rows)
    checks.append(check("model loads per process (3 analyses)", loads, "<=", 1, ""))
    return checks


def check(figure: str, value: float, operator: str, target: float, unit: str) -> dict:
    passed = value <= target if operator == "<=" else value >= target
    return {
        "figure": figure,
        "value": f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}",
        "target": f"{operator} {target:g}{unit}",
        "passed": passed,
    }


def render_report(rows: list[dict], checks: list[dict], web_rows: list[dict]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench`. Run it again to refresh this page.",
        "",
        f"- Command: `{COMMAND}`",
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine_description()}",
        f"- Sampling: {SAMPLE_RATE:g} samples per second. Times are wall-clock "
        f"seconds with model loading excluded: for the floor and Reaction Lab the "
        f"median of {REPEATS} runs on the 15 s inputs, otherwise one run.",
        "- Floor: ffmpeg decoding with the same `fps` filter, frames discarded "
        "(`-f null`), run just before each Reaction Lab run. Naive: OpenCV reads every frame and fer's default `FER()` "
        "runs `detect_emotions` on each sampled frame. Reaction Lab: "
        "`vision.analyzer.analyze` with its defaults. Both naive and Reaction Lab "
        "take, for each sample time, the frame on screen at that time, so the "
        "quality figures compare the face search alone. Reaction Lab on 1 core: "
        "the same, with ffmpeg and the analysis held to one core, as the worker "
        "is for `REACTION_LAB_WORKER_YIELD_SECONDS` after a signed-in upload "
        "(no target). Unlike the worker, which loads the model on every core "
        "and is held to one later, this run loads it on one core.",
        "- Naive is not run on the 10-minute input: at an estimated 1 s per "
        "second of 720p video, it would add ten minutes.",
        "- Peak RSS: the VmHWM of the Python process that ran the measurement, "
        "each in a fresh process; the ffmpeg child is not included.",
        "- Load average when the report was written: "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg())
        + " (1, 5 and 15 minutes). Other work on the machine slows the runs, "
        "and times vary by 20 % or more between runs.",
        "",
        "## Media processing",
        "",
        "| input | path | seconds | samples | samples with a face | peak RSS MiB |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.extend(render_rows(row))

    lines += ["", "## Quality and ratios", ""]
    lines += ["| figure | measured | target | result |", "| --- | ---: | ---: | --- |"]
    for item in checks:
        verdict = "pass" if item["passed"] else "FAIL"
        lines.append(
            f"| {item['figure']} | {item['value']} | {item['target']} | {verdict} |"
        )

    lines += ["", "## Web", "", WEB_NOTES, ""]
    if not web_rows:
        lines.append("Not measured yet: `bench/web.py` has no measurements.")
    else:
        lines += [
            "| figure | measured | target | result |",
            "| --- | ---: | ---: | --- |",
        ]
        for item in web_rows:
            verdict = {True: "pass", False: "FAIL", None: "-"}[item["passed"]]
            lines.append(
                f"| {item['figure']} | {item['value']} | {item['target']} | {verdict} |"
            )

    return "\n".join(lines) + "\n"


def render_rows(row: dict) -> list[str]:
    lines = []
    for name, key in (
        ("floor", "floor"),
        ("naive", "naive"),
        ("Reaction Lab", "reaction_lab"),
        ("Reaction Lab on 1 core, as while the site is in use", "one_core"),
    ):
        if key not in row:
            continue

        measured = row[key]
        if measured is None:
            lines.append(f"| {row['label']} | {name} | not run (too slow) | | | |")
            continue

        timeline = measured.get("timeline")
        samples = len(timeline) if timeline is not None else ""
        with_face = (
            sum(1 for s in timeline if s["faces"]) if timeline is not None else ""
        )
        memory = "" if measured["rss_mib"] is None else f"{measured['rss_mib']:.0f}"
        lines.append(
            f"| {row['label']} | {name} | {measured['seconds']:.2f} | {samples} "
            f"| {with_face} | {memory} |"
        )

    return lines


def machine_description() -> str:
    cpu_model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break

    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])

    return (
        f"{os.cpu_count()} CPUs ({cpu_model}), {total_kib / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


if __name__ == "__main__":
    main()
