from __future__ import annotations

from django.conf import settings
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from jobs.activity import UNSAFE_METHODS, mark_site_active


class SiteActivityMiddleware:
    """Mark the site as in use for each signed-in request that sends data.

    The mark is made before the view runs, so the worker yields a core
    during a long upload itself, not only after it (see `jobs.activity`).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.WORKER_YIELD_SECONDS > 0
            and request.method in UNSAFE_METHODS
            and is_signed_in(request)
        ):
            mark_site_active()

        return self.get_response(request)


def is_signed_in(request) -> bool:
    """Return whether the request has a session user or a valid API token."""
    if request.user.is_authenticated:
        return True

    try:
        # Costs one query, and only for API requests that send data.
        return TokenAuthentication().authenticate(request) is not None
    except AuthenticationFailed:
        return False
