"""Reading an uploaded file without ever holding more than its limit."""
from __future__ import annotations

from typing import BinaryIO


def read_capped(stream: BinaryIO | bytes, limit: int) -> bytes:
    """At most `limit` + 1 bytes (one more tells the file was too big),
    looping since read(n) may return less."""
    if isinstance(stream, (bytes, bytearray, memoryview)):
        return bytes(stream[: limit + 1])
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
