"""Tests of vision.probe, on the sample media and on files made with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from vision.errors import InvalidMediaError
from vision.ffmpeg_process import ffmpeg_exe
from vision.probe import measure_duration, parse_ffmpeg_info, probe


def make_media(*args: str) -> None:
    """Run the bundled ffmpeg with `args`, failing the test with its output."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    result = subprocess.run([*command, *args], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()


def test_probe_reads_sample_video(media_dir):
    info = probe(media_dir / "talking-woman.mp4")

    assert info.kind == "video"
    assert (info.width, info.height) == (596, 336)
    assert info.fps == pytest.approx(29.97)
    assert info.duration == pytest.approx(15.48)
    assert info.rotation == 0
    assert info.codec == "h264"


def test_probe_reads_jpeg_as_image(media_dir):
    info = probe(media_dir / "smiling-man.jpg")

    assert info.kind == "image"
    assert (info.width, info.height) == (381, 384)
    assert info.fps is None
    assert info.duration is None


def test_probe_rejects_empty_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")

    with pytest.raises(InvalidMediaError) as raised:
        probe(empty)

    assert "empty" in raised.value.user_message


def test_probe_rejects_text_named_mp4(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("These are meeting notes, not a video.\n")

    with pytest.raises(InvalidMediaError) as raised:
        probe(text)

    assert "not a video or image" in raised.value.user_message


def test_probe_rejects_truncated_mp4(media_dir, tmp_path):
    # Without +faststart the moov atom, which indexes the frames, comes
    # last, so cutting the file loses it as an interrupted upload would.
    whole = tmp_path / "whole.mp4"
    make_media("-i", str(media_dir / "talking-woman.mp4"), "-c", "copy", str(whole))
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    with pytest.raises(InvalidMediaError) as raised:
        probe(truncated)

    assert "incomplete" in raised.value.user_message


def test_probe_rejects_audio_only(tmp_path):
    audio = tmp_path / "voice.m4a"
    make_media("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(audio))

    with pytest.raises(InvalidMediaError) as raised:
        probe(audio)

    assert "no video" in raised.value.user_message


def test_probe_rejects_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "missing.mp4")


def test_probe_applies_rotation_to_size(media_dir, tmp_path):
    # -display_rotation 90 with stream copy stores a display matrix that
    # turns the 596x336 frames 90 degrees counter-clockwise, as phones do.
    rotated = tmp_path / "rotated.mp4"
    make_media(
        "-display_rotation",
        "90",
        "-t",
        "1",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-c",
        "copy",
        str(rotated),
    )

    info = probe(rotated)

    assert info.rotation == 270
    assert (info.width, info.height) == (336, 596)


def test_probe_finds_no_duration_in_streamed_webm(streamed_webm):
    webm = streamed_webm

    info = probe(webm)

    assert info.duration is None
    assert info.codec == "vp8"
    assert measure_duration(webm) == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize(
    "name",
    [
        "with space.mp4",
        'quote\'s "here".mp4',
        "émotions-视频.mp4",
        "-dash.mp4",
        "concat:x.mp4",
    ],
)
def test_probe_reads_unusual_file_names(media_dir, tmp_path, name):
    video = tmp_path / name
    video.write_bytes((media_dir / "talking-woman.mp4").read_bytes())

    info = probe(video)

    assert info.kind == "video"


def test_parse_reads_rotate_tag():
    text = (
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/phone.mp4':\n"
        "  Duration: 00:00:02.50, start: 0.000000, bitrate: 900 kb/s\n"
        "  Stream #0:0[0x1](und): Video: h264 (High), yuv420p(progressive), "
        "1280x720, 800 kb/s, 30 fps, 30 tbr, 90k tbn (default)\n"
        "      Metadata:\n"
        "        rotate          : 90\n"
    )

    info = parse_ffmpeg_info(text)

    assert info.rotation == 90
    assert (info.width, info.height) == (720, 1280)
    assert info.duration == pytest.approx(2.5)


def test_parse_ignores_cover_art():
    text = (
        "Input #0, mp3, from 'file:/tmp/song.mp3':\n"
        "  Duration: 00:03:00.00, start: 0.025057, bitrate: 128 kb/s\n"
        "  Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s\n"
        "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 500x500, 90k tbr, "
        "90k tbn (attached pic)\n"
    )

    with pytest.raises(InvalidMediaError):
        parse_ffmpeg_info(text, Path("song.mp3"))
