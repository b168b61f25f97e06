"""Serve stored media to its owner, with HTTP range requests.

Video players seek by asking for byte ranges; without `206 Partial
Content` responses a browser cannot jump to a moment in the video.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE_HEADER = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK_SIZE = 64 * 1024


def _read_range(path: Path, start: int, length: int):
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def serve_file(request, path: str | Path, content_type: str | None = None):
    path = Path(path)
    size = path.stat().st_size
    content_type = (
        content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )

    match = RANGE_HEADER.match(request.headers.get("Range", "").strip())
    if not match or not any(match.groups()):
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        response["Content-Length"] = str(size)
        return _private(response)

    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:
        # "bytes=-N" requests the last N bytes.
        start = max(size - int(last), 0)
        end = size - 1

    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _private(response)

    length = end - start + 1
    response = StreamingHttpResponse(
        _read_range(path, start, length), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    return _private(response)


def _private(response):
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
