"""Photos of visits (roof, floor, walls, house front, KTP, KK): uploaded before the visit that names them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from siks_events.blobs import BlobTooLarge
from siks_events.permissions import Operation, allowed_to

from siks_verification.adapters.api.deps import Blobs, photo_in_scope
from siks_verification.adapters.api.schemas import StoredPhoto

router = APIRouter(prefix="/v1/photos", tags=["photos"])

Uploader = allowed_to(Operation.VISIT_UPLOAD)
PhotoReader = photo_in_scope(Operation.VISIT_READ)


async def _body_within(request: Request, limit: int) -> bytes:
    """The request body, read no further than one byte past `limit` (a body without a length is counted too)."""
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise BlobTooLarge(f"files are limited to {limit} bytes")
    return bytes(received)


@router.put("", status_code=status.HTTP_201_CREATED, response_model=StoredPhoto)
async def upload(request: Request, response: Response, actor: Uploader, blobs: Blobs):
    """Store a photo sent as the raw body with its Content-Type; the answer names its SHA-256 (200 if it was stored already)."""
    blobs.check(request.headers.get("content-type", ""), int(request.headers.get("content-length") or 0))
    stored = await blobs.put(await _body_within(request, blobs.max_bytes), request.headers["content-type"])
    if not stored.created:
        response.status_code = status.HTTP_200_OK
    return StoredPhoto(sha256=stored.info.sha256, content_type=stored.info.content_type, size=stored.info.size,
                       created=stored.created)


@router.get("/{sha256}", response_class=Response)
async def download(sha256: str, actor: PhotoReader, blobs: Blobs):
    """A photo, to whoever may read a visit in whose region it was used (ID card photos are personal data)."""
    info, data = await blobs.get(sha256)
    return Response(data, media_type=info.content_type, headers={"Cache-Control": "private, max-age=86400"})
