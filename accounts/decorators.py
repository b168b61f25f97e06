"""View decorators shared by the apps' pages."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseForbidden


def login_required_or_403(view):
    """Return 403 to an anonymous request instead of redirecting it.

    htmx follows redirects, so a poll whose session has ended would swap
    the sign-in page into the page; a 403 is not swapped, and the page's
    script tells the person to sign in again.
    """

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseForbidden("Sign in to see this.")
        return view(request, *args, **kwargs)

    return wrapper
