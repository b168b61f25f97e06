"""Analyse a video or image in the foreground and print its emotions."""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Analyse a video or image file with the same code the worker runs, and "
        "print its summary (or, with --json, the whole result)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The video or image file to analyse.")
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="Print the whole result as JSON.",
        )
        parser.add_argument(
            "--sample-rate",
            type=float,
            default=settings.SAMPLE_RATE,
            help="Samples per second of video (default %(default)s).",
        )

    def handle(self, *args, path: str, as_json: bool, sample_rate: float, **options):
        from vision.analyzer import analyze
        from vision.errors import MediaError

        source = Path(path)
        if not source.is_file():
            raise CommandError(
                f"No file at {source}. Give the path of a video or image."
            )
        if not (math.isfinite(sample_rate) and sample_rate > 0):
            raise CommandError(
                f"--sample-rate must be a finite number above 0, not {sample_rate}."
            )

        try:
            result = analyze(source, sample_rate=sample_rate)
        except MediaError as exc:
            raise CommandError(f"{source}: {exc.user_message}") from exc

        if as_json:
            self.stdout.write(self.render_json(result))
        else:
            self.stdout.write(self.render_summary(source, result))

    def render_json(self, result) -> str:
        document = {
            "status": "completed",
            "duration": result.duration,
            "width": result.width,
            "height": result.height,
            "fps": result.fps,
            "sample_rate": result.sample_rate,
            "model": result.model,
            "summary": result.summary,
            "timeline": result.timeline,
        }
        return json.dumps(document, indent=2)

    def render_summary(self, source: Path, result) -> str:
        summary = result.summary
        lines = [
            f"{source.name}: {result.duration or 0:.2f} s, {result.width}x{result.height}",
            f"samples: {summary['samples']}, with a face: {summary['samples_with_face']}",
            f"dominant emotion: {summary['dominant'] or 'none (no face found)'}",
        ]
        shares = sorted(summary["shares"].items(), key=lambda item: -item[1])
        lines += [f"  {emotion:<9} {share:6.1%}" for emotion, share in shares]
        return "\n".join(lines)
