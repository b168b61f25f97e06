"""Find faces with OpenCV's Haar cascade, cheaply, sample after sample.

fer's own detector runs the cascade over the whole full-size frame, which
is most of the cost of an analysis. `FaceTracker` saves that cost in two
ways:

- A full search runs on a downscaled copy of the grey frame (its cost
  grows with the pixel count), and its boxes are scaled back to the
  frame's pixels so that each face is classified from the full frame.
  Most full searches are coarse, on a copy 320 pixels long. Every
  `fine_search_interval` samples, and when a face too small for the
  coarse search is lost, a fine search also looks on a larger copy for
  faces down to min_face_size.
- Between full searches, each face found in the previous sample is looked
  for again only in a small window around its last box, at sizes close to
  its last size. When any face is lost, a full search runs on the same
  sample, so a face is never dropped because of tracking. Faces that a
  full search misses but tracking still finds are kept. A face that
  newly appears is found at the next full search, at most
  `redetect_interval` samples later, or `fine_search_interval` samples
  for a face too small for the coarse search.
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
        tracked, so 15 at 5 samples per second means every 3 s. With 1,
        every sample gets a full search.
    fine_search_interval: every this many samples, starting with the
        first, the full search is a fine one (see `search_scale`), so 50
        means every 10 s. Faces too small for the coarse search are found
        there and then tracked.
    track_margin: how far around a tracked box to search, as a fraction of
        the box's width and height on each side. A face that moves further
        between two samples is looked for within lost_margin, and then by
        a full search.
    lost_margin: the wider margin tried before a full search when a
        tracked face is lost.
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
    whose dominant emotion matches fer's own search (81-88 %). A full
    search every 3 s instead of 2 s used 8 % less CPU time there, with 81-85 %
    of samples matching.
    """

    detection_max_side: int = 320
    min_face_size: int = 50
    scale_factor: float = 1.1
    min_neighbors: int = 5
    redetect_interval: int = 15
    fine_search_interval: int = 50
    track_margin: float = 0.15
    lost_margin: float = 1.0
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


def search_scale(
    width: int, height: int, settings: DetectorSettings, fine: bool
) -> float:
    """Return the scale of the copy of a frame that a full search runs on.

    A coarse search shrinks the frame's longer side to detection_max_side,
    which loses faces smaller than 24/320 of that side (144 pixels at
    1080p). A fine search shrinks it only as far as keeps a face of
    min_face_size at the cascade's 24-pixel window, as fer's own search
    on the full frame would find it.
    """
    scale = settings.detection_max_side / max(width, height)
    if fine:
        scale = max(scale, CASCADE_WINDOW / settings.min_face_size)

    return min(1.0, scale)


def find_faces(
    grey: np.ndarray, settings: DetectorSettings, fine: bool = False
) -> list[list[int]]:
    """Return the faces in a grey frame as [x, y, w, h] boxes, largest first.

    A fine search runs the coarse search too, and looks on the finer copy
    only for the faces too small for the coarse one, because the cascade's
    cost there grows with every larger size it tries.
    """
    height, width = grey.shape
    coarse_scale = search_scale(width, height, settings, fine=False)
    boxes = search_copy(grey, settings, coarse_scale)
    fine_scale = search_scale(width, height, settings, fine=True)
    if fine and fine_scale > coarse_scale:
        # Up to 1.25 times the coarse search's smallest face, so that the
        # two overlap.
        coarse_min = CASCADE_WINDOW / coarse_scale
        small = search_copy(grey, settings, fine_scale, max_face=1.25 * coarse_min)
        boxes += [box for box in small if not any(overlap(box, b) for b in boxes)]

    boxes.sort(key=box_area, reverse=True)
    return boxes


def search_copy(
    grey: np.ndarray,
    settings: DetectorSettings,
    scale: float,
    max_face: float | None = None,
) -> list[list[int]]:
    """Search a copy of `grey` shrunk by `scale`, for faces from min_face_size
    to `max_face` pixels of the frame, and return them in frame pixels."""
    height, width = grey.shape
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)

    min_size = max(CASCADE_WINDOW, round(settings.min_face_size * scale))
    max_size = (0, 0)
    if max_face is not None:
        side = max(min_size + 1, round(max_face * scale))
        max_size = (side, side)

    found = load_cascade().detectMultiScale(
        grey,
        scaleFactor=settings.scale_factor,
        minNeighbors=settings.min_neighbors,
        flags=cv2.CASCADE_SCALE_IMAGE,
        minSize=(min_size, min_size),
        maxSize=max_size,
    )
    return [
        [round(x / scale), round(y / scale), round(w / scale), round(h / scale)]
        for x, y, w, h in found
    ]


class FaceTracker:
    """Find the faces of consecutive samples of one video (see the module doc)."""

    def __init__(self, settings: DetectorSettings) -> None:
        self.settings = settings
        self.boxes: list[list[int]] = []
        self.samples_since_search = 0
        self.samples_seen = 0
        # Searches are fine until this sample after a small face was lost.
        self.fine_until = 0

    def find(self, frame: np.ndarray) -> list[list[int]]:
        """Return the faces in the next sample, a grey frame, as [x, y, w, h]
        boxes, largest first."""
        settings = self.settings
        fine = self.samples_seen % settings.fine_search_interval == 0
        self.samples_seen += 1
        due = self.samples_since_search + 1 >= settings.redetect_interval

        tracked = [self.follow(frame, box) for box in self.boxes]
        followed = [box for box in tracked if box is not None]
        lost = [old for old, new in zip(self.boxes, tracked, strict=True) if not new]
        if self.boxes and not lost and not due and not fine:
            self.boxes = sorted(followed, key=box_area, reverse=True)
            self.samples_since_search += 1
            return [clip_box(box, frame) for box in self.boxes]

        # A face lost from tracking may be too small for a coarse search,
        # so searches stay fine for redetect_interval samples or until a
        # search finds a face.
        height, width = frame.shape
        coarse_min = CASCADE_WINDOW / search_scale(width, height, settings, False)
        if any(0.75 * max(box[2:]) < coarse_min for box in lost):
            self.fine_until = self.samples_seen + settings.redetect_interval
        fine = fine or self.samples_seen <= self.fine_until
        found = find_faces(frame, settings, fine=fine)
        if found:
            self.fine_until = 0

        # Followed faces keep their tracked boxes, which are finer than the
        # search's, even where a coarse search missed them: tracking
        # confirms each face with the same cascade. Only new faces are
        # refined.
        new_faces = [b for b in found if not any(overlap(b, f) for f in followed)]
        if settings.refine_found_faces:
            refined = (track_face(frame, box, settings) for box in new_faces)
            new_faces = [
                new or old for new, old in zip(refined, new_faces, strict=True)
            ]

        self.boxes = sorted(followed + new_faces, key=box_area, reverse=True)
        self.samples_since_search = 0
        return [clip_box(box, frame) for box in self.boxes]

    def follow(self, frame: np.ndarray, box: list[int]) -> list[int] | None:
        """Track one face, searching a wider window when the usual one loses it.

        A full search costs far more than the wider window, and a coarse
        one cannot find a small face again at all.
        """
        found = track_face(frame, box, self.settings)
        if found is None:
            found = track_face(frame, box, self.settings, self.settings.lost_margin)
        return found


def overlap(first: list[int], second: list[int]) -> bool:
    """Return whether the centre of either box lies inside the other."""

    def contains(box, point):
        return (
            box[0] <= point[0] <= box[0] + box[2]
            and box[1] <= point[1] <= box[1] + box[3]
        )

    def centre(box):
        return (box[0] + box[2] / 2, box[1] + box[3] / 2)

    return contains(first, centre(second)) or contains(second, centre(first))


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
    grey: np.ndarray,
    box: list[int],
    settings: DetectorSettings,
    margin: float | None = None,
) -> list[int] | None:
    """Search near `box` in a grey frame for the face last seen there, or
    return None if it is gone. `margin` replaces settings.track_margin."""
    frame_height, frame_width = grey.shape
    x, y, w, h = box
    margin = settings.track_margin if margin is None else margin
    margin_x, margin_y = round(w * margin), round(h * margin)
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
