"""Tests of vision.emotions and the grey frames it reads, against fer itself."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vision.analyzer import load_model
from vision.emotions import classify_faces, square_box
from vision.frames import read_sampled_frames


@pytest.fixture(scope="module")
def smiling_man(media_dir):
    return cv2.imread(str(media_dir / "smiling-man.jpg"), cv2.IMREAD_COLOR)


def test_classify_faces_matches_fer(smiling_man):
    model = load_model()
    height, width = smiling_man.shape[:2]
    boxes = [
        [width // 4, height // 4, width // 3, height // 3],
        # Boxes whose margins reach past each edge of the frame, where fer
        # fills in the mean of the frame's last two rows.
        [0, 0, 80, 120],
        [width - 60, height - 50, 60, 50],
        [5, height - 100, 140, 100],
    ]
    grey = cv2.cvtColor(smiling_man, cv2.COLOR_BGR2GRAY)

    expected = model.detect_emotions(smiling_man, face_rectangles=boxes)
    scores = classify_faces(model, grey, boxes)

    assert len(scores) == len(expected)
    for ours, fers in zip(scores, expected, strict=True):
        # fer rounds its scores to 2 places.
        rounded = {emotion: round(score, 2) for emotion, score in ours.items()}
        assert rounded == fers["emotions"]


def test_classify_faces_without_boxes(smiling_man):
    grey = cv2.cvtColor(smiling_man, cv2.COLOR_BGR2GRAY)

    assert classify_faces(load_model(), grey, []) == []


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ([10, 20, 30, 30], (10, 20, 30, 30)),
        ([10, 20, 30, 41], (5, 20, 41, 41)),
        ([10, 20, 41, 30], (10, 15, 41, 41)),
    ],
)
def test_square_box(box, expected):
    assert square_box(box) == expected


def test_grey_frames_match_opencv_conversion(media_dir):
    path = media_dir / "talking-woman.mp4"
    size = {"sample_rate": 1.0, "width": 596, "height": 336}

    grey = list(read_sampled_frames(path, pixel_format="gray", **size))
    colour = list(read_sampled_frames(path, pixel_format="bgr24", **size))

    assert len(grey) == len(colour) == 16
    assert grey[0].shape == (336, 596)
    assert colour[0].shape == (336, 596, 3)
    converted = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in colour])
    difference = np.abs(np.stack(grey).astype(int) - converted)
    assert difference.mean() < 2.0
    assert difference.max() <= 20
