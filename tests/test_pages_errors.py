"""The site's error pages and the favicon."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.views import defaults

from analyses.uploads import create_analysis

pytestmark = pytest.mark.django_db


def test_other_users_page_gets_site_404(client, owner, outsider, data_dir):
    analysis, _job = create_analysis(owner, SimpleUploadedFile("clip.mp4", b"x"))
    client.force_login(outsider)

    response = client.get(f"/projects/{analysis.pk}/")

    page = response.content.decode()
    assert response.status_code == 404
    assert 'data-error-page="404"' in page
    assert "Page not found" in page
    assert 'href="/">Go to your projects' in page
    assert "/static/css/app.css" in page


def test_403_page_has_site_layout(owner):
    request = RequestFactory().get("/")
    request.user = owner

    response = defaults.permission_denied(request, PermissionDenied())

    page = response.content.decode()
    assert response.status_code == 403
    assert "Access denied" in page
    assert 'href="/">Go to your projects' in page
    assert "/static/css/app.css" in page


def test_500_page_renders_without_context():
    request = RequestFactory().get("/")

    response = defaults.server_error(request)

    page = response.content.decode()
    assert response.status_code == 500
    assert 'data-error-page="500"' in page
    assert 'href="/">Go to your projects' in page
    assert "/static/css/app.css" in page


def test_favicon_redirects_to_static_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.url == "/static/favicon.ico"


def test_favicon_is_served(client):
    response = client.get("/static/favicon.ico")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_pages_link_the_icon(client, owner):
    client.force_login(owner)

    page = client.get("/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg"' in page
    assert '<link rel="icon" href="/static/favicon.ico"' in page
