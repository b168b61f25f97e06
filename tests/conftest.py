"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def media_dir() -> Path:
    """The folder of sample media with real faces.

    Set REACTION_LAB_SAMPLE_MEDIA to use another copy; tests that need it
    are skipped when it is missing, so a bare clone still passes.
    """
    folder = Path(
        os.environ.get("REACTION_LAB_SAMPLE_MEDIA", REPO_ROOT.parent / "shared" / "media")
    )
    if not (folder / "talking-woman.mp4").is_file():
        pytest.skip(f"sample media not found in {folder} (set REACTION_LAB_SAMPLE_MEDIA)")
    return folder


@pytest.fixture
def data_dir(tmp_path, settings) -> Path:
    """A private media folder for the test; uploads and results land here."""
    folder = tmp_path / "data"
    (folder / "media").mkdir(parents=True)
    settings.MEDIA_ROOT = folder / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder / "media")},
        },
    }
    return folder


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", password="owner-password")


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user("outsider", password="outsider-password")


@pytest.fixture
def api(owner, data_dir) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def outsider_api(outsider, data_dir) -> APIClient:
    client = APIClient()
    client.force_authenticate(outsider)
    return client


@pytest.fixture(autouse=True)
def _no_media_outside_tests(settings, tmp_path_factory):
    """Keep every test's files out of the developer's ./var folder."""
    if "location" in settings.STORAGES["default"].get("OPTIONS", {}):
        folder = tmp_path_factory.mktemp("media")
        settings.MEDIA_ROOT = folder
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder)},
            },
        }


def drain_queue() -> list:
    """Run queued jobs in this process until none is left; return them."""
    from jobs.runner import claim_next_job, execute

    finished = []
    while (job := claim_next_job()) is not None:
        execute(job)
        job.refresh_from_db()
        finished.append(job)
    return finished


@pytest.fixture
def run_jobs():
    return drain_queue


def upload(client, path: Path, name: str | None = None, **extra):
    with path.open("rb") as handle:
        return client.post(
            "/analyze",
            {"file": (handle if name is None else _named(handle, name)), **extra},
            format="multipart",
        )


def _named(handle, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, handle.read())


@pytest.fixture
def sample_upload():
    return upload
