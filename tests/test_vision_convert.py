"""Tests of vision.convert.convert_to_mp4 on inputs made with ffmpeg."""

from __future__ import annotations

import subprocess
import time

import pytest

from vision.convert import convert_to_mp4
from vision.errors import InvalidMediaError
from vision.ffmpeg_process import ffmpeg_exe


def make_media(*args: str) -> None:
    """Run the bundled ffmpeg with `args`, failing the test with its output."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    result = subprocess.run([*command, *args], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()


def test_convert_makes_odd_size_even(tmp_path):
    source = tmp_path / "odd.mkv"
    make_media(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=321x241:rate=25:duration=1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv444p",
        str(source),
    )

    info = convert_to_mp4(source, tmp_path / "even.mp4")

    assert (info.width, info.height) == (320, 240)
    assert info.codec == "h264"
    assert info.fps == pytest.approx(30)


def test_convert_applies_rotation(media_dir, tmp_path):
    source = tmp_path / "phone.mp4"
    make_media(
        "-display_rotation",
        "90",
        "-t",
        "1",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-c",
        "copy",
        str(source),
    )

    info = convert_to_mp4(source, tmp_path / "upright.mp4")

    assert info.rotation == 0
    assert (info.width, info.height) == (336, 596)


def test_convert_gives_streamed_webm_a_duration(streamed_webm, tmp_path):
    source = streamed_webm

    info = convert_to_mp4(source, tmp_path / "recording.mp4", fps=15)

    assert info.duration == pytest.approx(3.0, abs=0.15)
    assert info.fps == pytest.approx(15)


def test_convert_drops_audio(tmp_path):
    source = tmp_path / "with-audio.mp4"
    make_media(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=25:duration=1",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=1",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        str(source),
    )
    target = tmp_path / "silent.mp4"

    convert_to_mp4(source, target)

    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(target)], capture_output=True
    )
    assert "Audio:" not in result.stderr.decode()


def test_convert_rejects_image(media_dir, tmp_path):
    with pytest.raises(InvalidMediaError) as raised:
        convert_to_mp4(media_dir / "smiling-man.jpg", tmp_path / "out.mp4")

    assert "image" in raised.value.user_message


def test_convert_rejects_text_file(tmp_path):
    source = tmp_path / "notes.webm"
    source.write_text("not a recording")

    with pytest.raises(InvalidMediaError):
        convert_to_mp4(source, tmp_path / "out.mp4")

    assert not (tmp_path / "out.mp4").exists()


def test_convert_past_deadline_leaves_no_file(media_dir, tmp_path):
    target = tmp_path / "out.mp4"

    with pytest.raises(TimeoutError):
        convert_to_mp4(
            media_dir / "talking-woman.mp4", target, deadline=time.monotonic() - 1
        )

    assert list(tmp_path.iterdir()) == []


def test_convert_stops_at_deadline(media_dir, tmp_path):
    # 77 s of video, made by stream copy: converting it takes seconds.
    source = tmp_path / "long.mp4"
    make_media(
        "-stream_loop",
        "4",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-c",
        "copy",
        str(source),
    )
    target = tmp_path / "out.mp4"
    start = time.monotonic()

    with pytest.raises(TimeoutError):
        convert_to_mp4(source, target, deadline=start + 0.3)

    assert sorted(tmp_path.iterdir()) == [source]


def test_convert_rejects_truncated_faststart_mp4(media_dir, tmp_path):
    whole = tmp_path / "whole.mp4"
    make_media(
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        str(whole),
    )
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 4])

    with pytest.raises(InvalidMediaError):
        convert_to_mp4(truncated, tmp_path / "out.mp4")

    assert not (tmp_path / "out.mp4").exists()
