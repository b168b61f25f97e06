"""Find faces with OpenCV's Haar cascade, cheaply, sample after sample.

fer's own detector runs the cascade over the whole full-size frame, which
is most of the cost of an analysis. `FaceTracker` saves that cost in two
ways:

- A full search runs on a downscaled copy of the grey frame (its cost
  grows with the pixel count), and its boxes are scaled back to the
  frame's pixels so that each face is classified from the full frame.
- Between full searches, each face found in the previous sample is looked
  for again only in a small window around its last box, at sizes close to
  its last size. When any face is lost, a full search runs on the same
  sample, so a face is never dropped because of tracking. A face that
  newly appears is found at the next full search, at most
  `redetect_interval` samples later.
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np

# The cascade file that fer's FER() uses by default.
CASCADE_FILE = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"

# The cascade's own window is 24x24 pixels: a face smaller than that in the
# downscaled frame cannot be found.
CASCADE_WINDOW = 24


@dataclasses.dataclass(frozen=True)
class DetectorSettings:
    """How faces are searched for.

    detection_max_side: the longer side, in pixels, of the grey copy that
        the cascade searches. Larger frames are shrunk to it, and smaller
        ones are searched as they are.
    min_face_size: the smallest face, in the frame's pixels, to report
        (fer's default is 50).
    scale_factor, min_neighbors: passed to `detectMultiScale`, with fer's
        defaults.
    redetect_interval: samples between full searches while faces are
        tracked, so 10 at 5 samples per second means every 2 s. With 1,
        every sample gets a full search.
    track_margin: how far around a tracked box to search, as a fraction of
        the box's width and height on each side. A face that moves further
        between two samples is lost, and found again by a full search.
    track_face_size: the size, in pixels, to which a tracked face's window
        is scaled before the search.
    track_scale_factor: `scaleFactor` of the search around a tracked face.
        It only spans sizes from 0.75 to 1.33 times the last one, so
        coarser steps than the full search's cost little precision.
    refine_found_faces: search again, as tracking does, around each face
        that a full search found, because boxes from the downscaled copy
        are coarser than tracked ones.

    The defaults were chosen by comparing the boxes' emotion scores with
    fer's own full-frame search on the sample video and a 1080p upscale
    of it (`python -m bench`, BENCHMARKS.md). A track_face_size of 48 or
    less costs a third of the time, because OpenCV's cascade then moves
    its window in steps of 2 pixels instead of 1, but the boxes it returns
    are a few percent larger, which changed the dominant emotion of up to
    one sample in six. A track_margin of 0.15 instead of 0.25 saved about
    8 % of the time on the sample video, with the same share of samples
    whose dominant emotion matches fer's own search (81-88 %).
    """

    detection_max_side: int = 320
    min_face_size: int = 50
    scale_factor: float = 1.1
    min_neighbors: int = 5
    redetect_interval: int = 10
    track_margin: float = 0.15
    track_face_size: int = 64
    track_scale_factor: float = 1.2
    refine_found_faces: bool = True


@functools.cache
def load_cascade() -> cv2.CascadeClassifier:
    """Load the Haar cascade once per process."""
    cascade = cv2.CascadeClassifier(CASCADE_FILE)
    if cascade.empty():
        raise RuntimeError(f"OpenCV could not load the Haar cascade {CASCADE_FILE}.")

    return cascade


def find_faces(grey: np.ndarray, settings: DetectorSettings) -> list[list[int]]:
    """Return the faces in a grey frame as [x, y, w, h] boxes, largest first."""
    height, width = grey.shape
    scale = min(1.0, settings.detection_max_side / max(width, height))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)

    min_size = max(CASCADE_WINDOW, round(settings.min_face_size * scale))
    found = load_cascade().detectMultiScale(
        grey,
        scaleFactor=settings.scale_factor,
        minNeighbors=settings.min_neighbors,
        flags=cv2.CASCADE_SCALE_IMAGE,
        minSize=(min_size, min_size),
    )
    boxes = [
        [round(x / scale), round(y / scale), round(w / scale), round(h / scale)]
        for x, y, w, h in found
    ]
    boxes.sort(key=box_area, reverse=True)
    return boxes


class FaceTracker:
    """Find the faces of consecutive samples of one video (see the module doc)."""

    def __init__(self, settings: DetectorSettings) -> None:
        self.settings = settings
        self.boxes: list[list[int]] = []
        self.samples_since_search = 0

    def find(self, frame: np.ndarray) -> list[list[int]]:
        """Return the faces in the next sample, a grey frame, as [x, y, w, h]
        boxes, largest first."""
        due = self.samples_since_search + 1 >= self.settings.redetect_interval
        if self.boxes and not due:
            tracked = [track_face(frame, box, self.settings) for box in self.boxes]
            if all(box is not None for box in tracked):
                self.boxes = sorted(tracked, key=box_area, reverse=True)
                self.samples_since_search += 1
                return [clip_box(box, frame) for box in self.boxes]

        self.boxes = find_faces(frame, self.settings)
        if self.settings.refine_found_faces:
            refined = (track_face(frame, box, self.settings) for box in self.boxes)
            self.boxes = [
                new or old for new, old in zip(refined, self.boxes, strict=True)
            ]
            self.boxes.sort(key=box_area, reverse=True)

        self.samples_since_search = 0
        return [clip_box(box, frame) for box in self.boxes]


def box_area(box: list[int]) -> int:
    return box[2] * box[3]


def clip_box(box: list[int], frame: np.ndarray) -> list[int]:
    """Return `box` cut to the frame, which scaling a box back may overshoot."""
    frame_height, frame_width = frame.shape[:2]
    x, y = max(0, box[0]), max(0, box[1])
    width = min(box[0] + box[2], frame_width) - x
    height = min(box[1] + box[3], frame_height) - y
    return [x, y, width, height]


def track_face(
    grey: np.ndarray, box: list[int], settings: DetectorSettings
) -> list[int] | None:
    """Search near `box` in a grey frame for the face last seen there, or
    return None if it is gone."""
    frame_height, frame_width = grey.shape
    x, y, w, h = box
    margin_x, margin_y = (
        round(w * settings.track_margin),
        round(h * settings.track_margin),
    )
    left, top = max(0, x - margin_x), max(0, y - margin_y)
    right = min(frame_width, x + w + margin_x)
    bottom = min(frame_height, y + h + margin_y)
    if right - left < CASCADE_WINDOW or bottom - top < CASCADE_WINDOW:
        return None

    window = grey[top:bottom, left:right]
    scale = min(1.0, settings.track_face_size / max(w, h))
    if scale < 1.0:
        size = (round((right - left) * scale), round((bottom - top) * scale))
        window = cv2.resize(window, size, interpolation=cv2.INTER_AREA)

    # Accept a face from 0.75 to 1.33 times its last size.
    face_size = max(w, h) * scale
    min_size = max(CASCADE_WINDOW, round(face_size * 0.75))
    max_size = max(min_size + 1, round(face_size * 1.33))
    found = load_cascade().detectMultiScale(
        window,
        scaleFactor=settings.track_scale_factor,
        minNeighbors=settings.min_neighbors,
        flags=cv2.CASCADE_SCALE_IMAGE,
        minSize=(min_size, min_size),
        maxSize=(max_size, max_size),
    )
    if len(found) == 0:
        return None

    # The candidate whose centre is nearest the last box's centre.
    centre_x, centre_y = (x - left + w / 2) * scale, (y - top + h / 2) * scale
    best = min(
        found,
        key=lambda c: (c[0] + c[2] / 2 - centre_x) ** 2
        + (c[1] + c[3] / 2 - centre_y) ** 2,
    )
    bx, by, bw, bh = (int(value) for value in best)
    return [
        left + round(bx / scale),
        top + round(by / scale),
        round(bw / scale),
        round(bh / scale),
    ]
