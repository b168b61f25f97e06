"""The `analyze` management command, run with the real model."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run_analyze(*args) -> str:
    output = StringIO()
    call_command("analyze", *args, stdout=output)
    return output.getvalue()


def test_json_output_for_smiling_man(media_dir):
    result = json.loads(run_analyze(str(media_dir / "smiling-man.jpg"), "--json"))

    faces = result["timeline"][0]["faces"]
    assert len(faces) == 1
    assert faces[0]["emotions"]["happy"] > 0.8
    assert result["summary"]["dominant"] == "happy"
    assert result["status"] == "completed"


def test_summary_output_for_video(media_dir):
    output = run_analyze(str(media_dir / "talking-woman.mp4"), "--sample-rate", "2")

    assert "dominant emotion: happy" in output
    assert "samples: 31" in output


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        run_analyze(str(tmp_path / "missing.mp4"))


def test_text_file_is_reported(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 50)

    with pytest.raises(CommandError, match="notes.mp4"):
        run_analyze(str(text))


@pytest.mark.parametrize("rate", ["nan", "inf", "0"])
def test_invalid_sample_rate_is_reported(media_dir, rate):
    with pytest.raises(CommandError, match="--sample-rate must be a finite"):
        run_analyze(str(media_dir / "smiling-man.jpg"), "--sample-rate", rate)
