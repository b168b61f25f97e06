"""Safe names and paths for stored uploads.

Stored names never come from the client: a random folder and a fixed
base name, with an extension kept only when it is short and plain.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import Path, PurePath

SAFE_EXTENSION = re.compile(r"^\.[a-z0-9]{1,5}$")


def safe_extension(client_name: str) -> str:
    suffix = PurePath(client_name.replace("\\", "/")).suffix.lower()
    return suffix if SAFE_EXTENSION.match(suffix) else ".bin"


def display_name(client_name: str) -> str:
    """Return the client's file name fit for display: last path part, no
    control characters, at most 200 characters."""
    base = client_name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return cleaned.strip()[:200] or "upload"


def analysis_upload_path(instance, client_name: str) -> str:
    return f"analyses/{uuid.uuid4().hex}/source{safe_extension(client_name)}"


def reaction_upload_path(instance, client_name: str) -> str:
    return f"reactions/{uuid.uuid4().hex}/recording{safe_extension(client_name)}"


def delete_stored_file(field) -> None:
    """Delete a FileField's file, and its folder when that leaves it empty.

    Uploads live in a folder of their own (see the upload paths above), so
    the folder would otherwise stay behind.
    """
    if not field:
        return

    field.storage.delete(field.name)
    folder = PurePath(field.name).parent
    if not (folder.name and folder.parent.name):
        return

    try:
        Path(field.storage.path(str(folder))).rmdir()
    except OSError:
        # Missing, or not empty because the upload's other files remain.
        pass
