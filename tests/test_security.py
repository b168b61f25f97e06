"""Who may see what through the API, media and admin; CSRF; secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from analyses.models import Analysis
from jobs.models import Job
from reactions.models import Reaction
from tests.conftest import REPO_ROOT, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(api, owner, media_dir) -> dict:
    """An analysis of the owner's with a failed job and a reaction."""
    body = upload(api, media_dir / "smiling-man.jpg").json()
    Job.objects.filter(pk=body["job_id"]).update(status="failed")
    analysis = Analysis.objects.get(pk=body["analysis_id"])
    reaction = Reaction(analysis=analysis, recorded_by=owner, size=4)
    reaction.recording.save("recording.webm", ContentFile(b"webm"), save=False)
    reaction.save()
    return {**body, "reaction_id": reaction.pk}


def api_requests(owned: dict) -> list[tuple[str, str]]:
    analysis, job, reaction = (
        owned["analysis_id"],
        owned["job_id"],
        owned["reaction_id"],
    )
    return [
        ("get", f"/analyses/{analysis}"),
        ("delete", f"/analyses/{analysis}"),
        ("get", f"/reactions/{reaction}"),
        ("post", f"/reactions/{analysis}"),
        ("get", f"/queue/jobs/{job}"),
        ("post", f"/queue/jobs/{job}/retry"),
    ]


def test_outsider_gets_404_from_every_detail_endpoint(outsider_api, owned):
    recording = SimpleUploadedFile("r.webm", b"\x1a\x45\xdf\xa3" + b"\0" * 100)

    for method, path in api_requests(owned):
        data = {"file": recording, "offset": 1} if method == "post" else None
        response = getattr(outsider_api, method)(path, data, format="multipart")

        assert response.status_code == 404, f"{method.upper()} {path}"

    assert Analysis.objects.filter(pk=owned["analysis_id"]).exists()
    assert Reaction.objects.count() == 1
    assert Job.objects.get(pk=owned["job_id"]).status == "failed"


def test_outsider_lists_are_empty(outsider_api, owned):
    analyses = outsider_api.get("/analyses").json()
    jobs = outsider_api.get("/queue/jobs", {"analysis_id": owned["analysis_id"]}).json()

    assert analyses["count"] == 0
    assert jobs["count"] == 0


def test_anonymous_api_requests_are_rejected(owned):
    client = APIClient()

    for method, path in [
        *api_requests(owned),
        ("get", "/analyses"),
        ("post", "/analyze"),
    ]:
        response = getattr(client, method)(path)

        assert response.status_code in (401, 403), f"{method.upper()} {path}"

    assert Job.objects.get(pk=owned["job_id"]).status == "failed"


def test_media_is_served_only_to_its_owner(owned, owner, outsider):
    path = f"/projects/{owned['analysis_id']}/video"
    own_client, outsider_client = Client(), Client()
    own_client.force_login(owner)
    outsider_client.force_login(outsider)

    own = own_client.get(path, HTTP_RANGE="bytes=0-9")
    theirs = outsider_client.get(path)
    theirs_ranged = outsider_client.get(path, HTTP_RANGE="bytes=0-9")
    anonymous = Client().get(path)

    assert own.status_code == 206
    assert theirs.status_code == 404
    assert theirs_ranged.status_code == 404
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_media_type_comes_from_content_not_name(api, owner, tmp_path):
    page = tmp_path / "clip.mp4"
    page.write_bytes(b"<html><script>alert(1)</script></html>")
    analysis_id = upload(api, page).json()["analysis_id"]
    client = Client()
    client.force_login(owner)

    response = client.get(f"/projects/{analysis_id}/video")

    assert Analysis.objects.get(pk=analysis_id).video.name.endswith("/source.bin")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_retry_action_is_staff_only(owned, owner, django_user_model):
    action = {"action": "retry_selected", "_selected_action": [owned["job_id"]]}
    member = Client()
    member.force_login(owner)
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("root", password="x"))

    rejected = member.post("/admin/jobs/job/", action)
    status_after_rejection = Job.objects.get(pk=owned["job_id"]).status
    accepted = staff.post("/admin/jobs/job/", action)

    assert rejected.status_code == 302
    assert "/admin/login/" in rejected["Location"]
    assert status_after_rejection == "failed"
    assert accepted.status_code == 302
    assert Job.objects.get(pk=owned["job_id"]).status == "queued"


def test_session_api_post_needs_csrf_token(owned, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get("/accounts/login/")
    retry = f"/queue/jobs/{owned['job_id']}/retry"

    without_token = client.post(retry)
    with_token = client.post(retry, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)

    assert without_token.status_code == 403
    assert "CSRF" in without_token.json()["detail"]
    assert with_token.status_code == 202


def test_session_upload_needs_csrf_token(owner, media_dir):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    with (media_dir / "smiling-man.jpg").open("rb") as handle:
        response = client.post("/analyze", {"file": handle})

    assert response.status_code == 403
    assert Analysis.objects.count() == 0


def start_django(data_dir, *code: str) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG")
    }
    env["REACTION_LAB_DATA_DIR"] = str(data_dir)
    script = (
        "import django; django.setup(); from django.conf import settings; "
        + "; ".join(code)
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_secret_key_created_once(tmp_path):
    data_dir = tmp_path / "fresh"

    first = start_django(data_dir, "print(settings.SECRET_KEY)")
    second = start_django(data_dir, "print(settings.SECRET_KEY)")

    key_file = data_dir / "secret_key"
    assert key_file.read_text().strip() == first
    assert second == first
    assert len(first) >= 50
    assert key_file.stat().st_mode & 0o077 == 0


def test_debug_is_off_unless_requested(tmp_path):
    debug = start_django(tmp_path, "print(settings.DEBUG)")

    assert debug == "False"


def test_no_secret_key_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    ignored = subprocess.run(
        ["git", "check-ignore", "var/secret_key"], cwd=REPO_ROOT, capture_output=True
    )

    assert not [name for name in tracked if name.endswith("secret_key")]
    assert ignored.returncode == 0
