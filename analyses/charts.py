"""Series for the emotion charts of the analysis page.

Each series has one value per sample, or None where the sample found no
face, so the chart shows a gap instead of a false zero.
"""

from __future__ import annotations

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def main_face(sample: dict) -> dict | None:
    """Return the sample's largest face: the person filmed, not a false
    detection in the background, which is usually smaller."""
    faces = sample.get("faces") or []
    if not faces:
        return None
    return max(faces, key=lambda face: face["box"][2] * face["box"][3])


def main_face_series(timeline: list | None) -> dict:
    """Return sample times and, per emotion, the main face's scores."""
    times = []
    series: dict[str, list] = {emotion: [] for emotion in EMOTIONS}
    for sample in timeline or []:
        times.append(round(sample["time"], 3))
        face = main_face(sample)
        scores = face["emotions"] if face else {}
        for emotion in EMOTIONS:
            series[emotion].append(scores.get(emotion))

    return {"times": times, "series": series}


def average_series(reactions: list, step: float) -> dict:
    """Average the reactions' main-face scores on the video's clock.

    Reaction samples do not fall on the same instants, so each is put in
    the bin of width `step` seconds nearest to its time. `viewers` counts
    the samples behind each bin's average.
    """
    sums: dict[int, dict[str, float]] = {}
    counts: dict[int, int] = {}
    for reaction in reactions:
        for sample in reaction.timeline or []:
            face = main_face(sample)
            if face is None:
                continue
            index = round(sample["time"] / step)
            totals = sums.setdefault(index, dict.fromkeys(EMOTIONS, 0.0))
            for emotion in EMOTIONS:
                totals[emotion] += face["emotions"].get(emotion, 0.0)
            counts[index] = counts.get(index, 0) + 1

    indices = sorted(sums)
    return {
        "times": [round(index * step, 3) for index in indices],
        "series": {
            emotion: [round(sums[i][emotion] / counts[i], 4) for i in indices]
            for emotion in EMOTIONS
        },
        "viewers": [counts[i] for i in indices],
    }
