"""Template filters for the analysis, reaction and project pages."""

from __future__ import annotations

import math

from django import template

from jobs.models import Job

register = template.Library()

# Failures that are not transient but that a retry can still fix. An
# administrator may have freed disk space since a storage failure, and the
# message of an unknown error tells the person to retry.
RETRYABLE_PERMANENT_FAILURES = {
    Job.ErrorCategory.STORAGE_FAILED,
    Job.ErrorCategory.UNKNOWN,
}


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
    """Return whether the page offers a Retry button for a failed job.

    A non-transient failure such as a file that is not a video fails the
    same way again, so the page offers to upload another file instead. A job that
    failed before it was classified (`is_transient` is None) keeps the
    button. The API allows retrying every failed job.
    """
    if job is None or job.status != Job.Status.FAILED:
        return False
    if job.is_transient is not False:
        return True
    return job.error_category in RETRYABLE_PERMANENT_FAILURES
