"""Fixtures for browser tests: Debian's Chromium driven by Playwright.

Playwright cannot download its own browser here, so the tests use
/usr/bin/chromium (the Debian package `chromium`) and skip when it is
missing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

CHROMIUM = Path(os.environ.get("REACTION_LAB_CHROMIUM", "/usr/bin/chromium"))
BASE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]

# Playwright's sync API runs an event loop in the test's thread, and Django
# raises SynchronousOnlyOperation for database calls made there unless
# DJANGO_ALLOW_ASYNC_UNSAFE is set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def playwright_driver():
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def fake_camera_file(tmp_path_factory, media_dir) -> Path:
    """A 10 s, 640x360, 15 fps Y4M clip of talking-woman.mp4 for the fake camera."""
    target = tmp_path_factory.mktemp("camera") / "talking-woman.y4m"
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-i",
        str(media_dir / "talking-woman.mp4"),
        "-t",
        "10",
        "-vf",
        "scale=640:360,fps=15",
        "-pix_fmt",
        "yuv420p",
        str(target),
    ]
    subprocess.run(command, check=True, timeout=120)
    return target


def launch(driver, *extra_args: str):
    return driver.chromium.launch(
        executable_path=str(CHROMIUM), args=[*BASE_ARGS, *extra_args]
    )


@pytest.fixture
def browser(playwright_driver):
    """Chromium on a machine with no camera."""
    instance = launch(playwright_driver)
    yield instance
    instance.close()


@pytest.fixture
def denying_browser(playwright_driver, fake_camera_file):
    """Chromium with a fake camera whose permission prompt is dismissed,
    which headless Chromium reports to the page as NotAllowedError."""
    instance = launch(
        playwright_driver,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera_file}",
    )
    yield instance
    instance.close()


@pytest.fixture
def camera_browser(playwright_driver, fake_camera_file):
    """Chromium whose camera plays the fake camera file, allowed without a prompt."""
    instance = launch(
        playwright_driver,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera_file}",
    )
    yield instance
    instance.close()
