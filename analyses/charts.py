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


def viewer_series(reactions: list) -> list[dict]:
    """Return each reaction's main-face series, for reactions with a face.

    Scores are rounded to 3 decimals to keep the page small, because the
    page embeds every reaction's series.
    """
    viewers = []
    for reaction in reactions:
        if not has_face(reaction):
            continue

        part = main_face_series(reaction.timeline)
        for emotion, values in part["series"].items():
            part["series"][emotion] = [
                None if value is None else round(value, 3) for value in values
            ]
        viewers.append({"id": reaction.pk, "label": viewer_label(reaction), **part})
    return viewers


def has_face(reaction) -> bool:
    """Return True if any sample of the reaction found a face."""
    return any(main_face(sample) for sample in reaction.timeline or [])


def viewer_label(reaction) -> str:
    label = f"Reaction #{reaction.pk}"
    if reaction.recorded_by:
        label += f" by {reaction.recorded_by.get_username()}"
    return label


def strongest_emotion(average: dict) -> str:
    """Return the emotion with the highest mean score in an average series."""
    means = {
        emotion: sum(values) / len(values)
        for emotion, values in average["series"].items()
        if values
    }
    return max(means, key=means.get) if means else "happy"
