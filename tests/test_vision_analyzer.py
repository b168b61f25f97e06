"""Tests of vision.analyzer with the real fer model on real and made-up media."""

from __future__ import annotations

import subprocess
import time

import pytest

from vision.analyzer import (
    EMOTIONS,
    ProgressReporter,
    analyze,
    load_model,
    summarize,
)
from vision.errors import InvalidMediaError
from vision.ffmpeg_process import ffmpeg_exe


def make_media(*args: str) -> None:
    """Run the bundled ffmpeg with `args`, failing the test with its output."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    result = subprocess.run([*command, *args], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()


def share_of_samples_with_face(result) -> float:
    return result.summary["samples_with_face"] / result.summary["samples"]


@pytest.fixture(scope="module")
def talking_woman_result(media_dir):
    fractions = []
    result = analyze(media_dir / "talking-woman.mp4", progress=fractions.append)
    return result, fractions


def test_analyze_sample_video(talking_woman_result):
    result, _ = talking_woman_result

    assert 76 <= result.summary["samples"] <= 79
    assert len(result.timeline) == result.summary["samples"]
    assert share_of_samples_with_face(result) >= 0.95
    assert result.duration == pytest.approx(15.48)
    assert (result.width, result.height) == (596, 336)
    assert result.sample_rate == 5.0


def test_analyze_sample_video_emotions(talking_woman_result):
    result, _ = talking_woman_result
    shares = result.summary["shares"]
    ranked = sorted(shares, key=shares.get, reverse=True)

    assert result.summary["dominant"] == "happy"
    assert ranked[0] == "happy"
    assert set(ranked[1:3]) == {"neutral", "fear"}
    assert sum(shares.values()) == pytest.approx(1.0, abs=0.01)


def test_analyze_timeline_shape(talking_woman_result):
    result, _ = talking_woman_result
    first, second = result.timeline[:2]
    face = first["faces"][0]

    assert first["time"] == 0.0
    assert second["time"] == 0.2
    assert set(face["emotions"]) == set(EMOTIONS)
    assert all(round(score, 3) == score for score in face["emotions"].values())
    x, y, w, h = face["box"]
    assert x >= 0
    assert y >= 0
    assert x + w <= 596
    assert y + h <= 336
    assert result.model["name"] == "fer"
    assert result.model["version"] == "25.10.3"
    assert result.model["sample_rate"] == 5.0


def test_analyze_reports_progress(talking_woman_result):
    _, fractions = talking_woman_result

    assert len(fractions) >= 77
    assert all(0.0 <= fraction <= 1.0 for fraction in fractions)
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0


def test_analyze_loads_model_once(media_dir):
    analyze(media_dir / "no-faces.jpg")
    analyze(media_dir / "no-faces.jpg")

    assert load_model.cache_info().misses == 1


def test_analyze_smiling_image(media_dir):
    result = analyze(media_dir / "smiling-man.jpg", time_offset=3.0)

    assert len(result.timeline) == 1
    assert result.timeline[0]["time"] == 3.0
    assert len(result.timeline[0]["faces"]) == 1
    assert result.timeline[0]["faces"][0]["emotions"]["happy"] > 0.8
    assert result.summary["dominant"] == "happy"


def test_analyze_image_without_faces(media_dir):
    result = analyze(media_dir / "no-faces.jpg")

    assert result.timeline == [{"time": 0.0, "faces": []}]
    assert result.summary["dominant"] is None
    assert result.summary["samples_with_face"] == 0


def test_analyze_video_without_faces(tmp_path):
    video = tmp_path / "pattern.mp4"
    make_media(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25:duration=2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(video),
    )

    result = analyze(video)

    assert result.summary["samples"] == 10
    assert result.summary["samples_with_face"] == 0
    assert result.summary["dominant"] is None


def test_analyze_rotated_video(media_dir, tmp_path):
    # As a phone held sideways records: the stored pixels are turned 90
    # degrees clockwise, and the metadata turns them back for display.
    sideways = tmp_path / "sideways.mp4"
    make_media(
        "-t",
        "3",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-vf",
        "transpose=clock",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(sideways),
    )
    video = tmp_path / "phone.mp4"
    make_media("-display_rotation", "90", "-i", str(sideways), "-c", "copy", str(video))

    result = analyze(video)

    assert (result.width, result.height) == (596, 336)
    assert share_of_samples_with_face(result) >= 0.9


def test_analyze_streamed_webm(streamed_webm):
    video = streamed_webm
    fractions = []

    result = analyze(video, progress=fractions.append, time_offset=12.5)

    assert 14 <= result.summary["samples"] <= 16
    assert share_of_samples_with_face(result) >= 0.9
    assert result.timeline[0]["time"] == 12.5
    assert all(0.0 <= fraction <= 1.0 for fraction in fractions)
    assert fractions[-1] == 1.0


@pytest.mark.parametrize(
    ("label", "options"),
    [
        ("10-bit", ["-c:v", "libx264", "-pix_fmt", "yuv420p10le"]),
        ("grayscale", ["-c:v", "libx264", "-pix_fmt", "gray"]),
        ("4K", ["-vf", "scale=3840:2160", "-c:v", "libx264", "-preset", "ultrafast"]),
        (
            "variable frame rate",
            ["-vf", "select='lt(mod(n,7),4)'", "-fps_mode", "vfr", "-c:v", "libx264"],
        ),
    ],
)
def test_analyze_unusual_videos(media_dir, tmp_path, label, options):
    video = tmp_path / "unusual.mp4"
    make_media(
        "-t", "2", "-i", str(media_dir / "talking-woman.mp4"), *options, str(video)
    )

    result = analyze(video)

    assert result.summary["samples"] >= 9, label
    assert share_of_samples_with_face(result) >= 0.9, label


def test_analyze_4k_boxes_use_video_pixels(media_dir, tmp_path):
    video = tmp_path / "4k.mp4"
    make_media(
        "-t",
        "1",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-vf",
        "scale=3840:2160",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(video),
    )

    result = analyze(video)

    x, y, w, h = result.timeline[0]["faces"][0]["box"]
    # The face is about 130 px wide in the 596 px original.
    assert 600 < w < 1200
    assert x + w <= 3840


@pytest.mark.parametrize(
    ("label", "size", "position"),
    [("1080p", "1920:1080", "660:370"), ("4K", "3840:2160", "1600:900")],
)
def test_analyze_finds_small_face_in_large_frame(
    media_dir, tmp_path, label, size, position
):
    # The original's face, about 130 px wide, on a large black frame: too
    # small for the coarse search, which shrinks the frame to 320 px. From
    # 4 s to 8 s, because at 5.2 s the face moves further than tracking's
    # usual window.
    video = tmp_path / f"small-face-{label}.mp4"
    make_media(
        "-ss",
        "4",
        "-t",
        "4",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-vf",
        f"pad={size}:{position}",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(video),
    )

    result = analyze(video)

    assert 20 <= result.summary["samples"] <= 21
    # fer finds the face in every sample. Only a full-size search finds it
    # in the sample at 5.2 s, where it moves, so one sample may miss.
    assert result.summary["samples_with_face"] >= result.summary["samples"] - 1
    left, top = (int(value) for value in position.split(":"))
    for sample in (sample for sample in result.timeline if sample["faces"]):
        x, y, w, h = sample["faces"][0]["box"]
        assert left <= x <= left + 596 - w
        assert top <= y <= top + 336 - h


def test_analyze_exif_rotated_image_size(media_dir, tmp_path):
    # Stored sideways (384x381) with EXIF orientation 6: shown as 381x384.
    from PIL import Image

    image = Image.open(media_dir / "smiling-man.jpg").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    image.save(path, exif=exif.tobytes())

    result = analyze(path)

    assert (result.width, result.height) == (381, 384)
    x, y, w, h = result.timeline[0]["faces"][0]["box"]
    assert x + w <= result.width
    assert y + h <= result.height


def test_analyze_unusual_file_name(media_dir, tmp_path):
    image = tmp_path / 'sourire d\'été "ok".jpg'
    image.write_bytes((media_dir / "smiling-man.jpg").read_bytes())

    result = analyze(image)

    assert result.summary["samples_with_face"] == 1


def test_analyze_rejects_text_file(tmp_path):
    text = tmp_path / "video.mp4"
    text.write_text("hello")

    with pytest.raises(InvalidMediaError):
        analyze(text)


def test_analyze_stops_at_deadline(media_dir):
    with pytest.raises(TimeoutError):
        analyze(media_dir / "talking-woman.mp4", deadline=time.monotonic() + 0.05)


@pytest.mark.parametrize("expected", [None, 0, -5, 3])
def test_progress_stays_within_bounds(expected):
    fractions = []
    report = ProgressReporter(fractions.append, expected)

    for done in range(1, 11):
        report(done)
    report.finish()

    assert all(0.0 <= fraction <= 1.0 for fraction in fractions)
    assert fractions[-1] == 1.0


def face(box, **scores):
    return {
        "box": box,
        "emotions": {emotion: scores.get(emotion, 0.0) for emotion in EMOTIONS},
    }


def test_summarize_counts_largest_face():
    timeline = [
        {
            "time": 0.0,
            "faces": [face([0, 0, 10, 10], sad=0.9), face([0, 0, 50, 50], happy=0.6)],
        },
        {"time": 0.2, "faces": [face([0, 0, 50, 50], happy=0.7)]},
        {"time": 0.4, "faces": [face([0, 0, 50, 50], neutral=0.5)]},
        {"time": 0.6, "faces": []},
    ]

    summary = summarize(timeline)

    assert summary["samples"] == 4
    assert summary["samples_with_face"] == 3
    assert summary["dominant"] == "happy"
    assert summary["shares"]["happy"] == 0.667
    assert summary["shares"]["neutral"] == 0.333
    assert summary["shares"]["sad"] == 0.0


def test_summarize_empty_timeline():
    summary = summarize([])

    assert summary == {
        "dominant": None,
        "shares": dict.fromkeys(EMOTIONS, 0.0),
        "samples": 0,
        "samples_with_face": 0,
    }


def test_analyze_rejects_truncated_faststart_mp4(media_dir, tmp_path):
    # With +faststart the moov atom comes first and survives the cut, so
    # only the decoder finds that the frames it lists are missing.
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

    with pytest.raises(InvalidMediaError) as raised:
        analyze(truncated)

    assert "incomplete" in raised.value.user_message
