"""Template filters for the analysis, reaction and project pages."""

from __future__ import annotations

import math

from django import template

from jobs.models import Job

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Format seconds as m:ss, or h:mm:ss from one hour on.

    Seconds are rounded down, as video players and the charts do, so
    557.4 becomes "9:17". None and negative values give "".
    """
    if seconds is None or seconds < 0:
        return ""

    whole = math.floor(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@register.filter
def offers_retry(job: Job | None) -> bool:
    """Return whether the page offers a Retry button for the job."""
    return job is not None and job.retry_can_help
