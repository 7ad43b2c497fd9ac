"""Files (photos, scans) kept by their SHA-256: one small interface, a folder or an S3-compatible bucket behind it.

Events carry a blob's hash and metadata, never its bytes. Content addressing makes a repeated upload
free: the same bytes have the same hash and are stored once.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from siks_events.model import DomainError, NotFound

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
DOCUMENT_TYPES = IMAGE_TYPES | {"application/pdf"}
"""Scanned or born-digital documents: legal papers, receipts (nota, kuitansi), minutes, reports."""
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobTooLarge(DomainError):
    """The file is larger than the store accepts."""

    code = "payload-too-large"


class UnsupportedContentType(DomainError):
    """The store does not accept files of this content type."""

    code = "unsupported-media-type"


class BlobNotFound(NotFound):
    """No file with this SHA-256 is stored."""

    code = "blob-not-found"


@dataclass(frozen=True)
class BlobInfo:
    """A stored file: its SHA-256 (lower-case hex), content type and size in bytes."""

    sha256: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Stored:
    """The answer to `put`: the blob, and whether this call stored it (False: it was there already)."""

    info: BlobInfo
    created: bool


class BlobStore(abc.ABC):
    """Put, get and look up files by SHA-256, within a size limit and a list of content types."""

    def __init__(self, *, max_bytes: int, content_types: Iterable[str] = IMAGE_TYPES) -> None:
        self.max_bytes = max_bytes
        self.content_types = frozenset(content_types)

    def check(self, content_type: str, size: int) -> None:
        """Raise UnsupportedContentType or BlobTooLarge for a file this store refuses."""
        base = content_type.split(";")[0].strip().lower()
        if base not in self.content_types:
            raise UnsupportedContentType(f"{base or 'no content type'} is not accepted; send one of "
                                         + ", ".join(sorted(self.content_types)))
        if size > self.max_bytes:
            raise BlobTooLarge(f"files are limited to {self.max_bytes} bytes; this one has {size}")

    async def put(self, data: bytes, content_type: str) -> Stored:
        """Store `data` under its SHA-256 unless it is there already."""
        self.check(content_type, len(data))
        info = BlobInfo(hashlib.sha256(data).hexdigest(), content_type.split(";")[0].strip().lower(), len(data))
        if await self.exists(info.sha256):
            return Stored(info, created=False)
        await self._write(info, data)
        return Stored(info, created=True)

    async def get(self, sha256: str) -> tuple[BlobInfo, bytes]:
        """The stored file and its metadata; BlobNotFound if there is none."""
        found = await self._read(sha256) if _SHA256.match(sha256) else None
        if found is None:
            raise BlobNotFound(f"no file with SHA-256 {sha256}")
        return found

    async def exists(self, sha256: str) -> bool:
        """Whether a file with this SHA-256 is stored."""
        return bool(_SHA256.match(sha256)) and await self._exists(sha256)

    async def info(self, sha256: str) -> BlobInfo | None:
        """The stored file's metadata without its bytes, or None if there is none."""
        return await self._info(sha256) if _SHA256.match(sha256) else None

    @abc.abstractmethod
    async def _exists(self, sha256: str) -> bool:
        """Whether the blob is stored (the hash is well formed)."""

    @abc.abstractmethod
    async def _info(self, sha256: str) -> BlobInfo | None:
        """The blob's metadata, or None (the hash is well formed)."""

    @abc.abstractmethod
    async def _write(self, info: BlobInfo, data: bytes) -> None:
        """Store the bytes and their metadata so that a reader never sees one without the other."""

    @abc.abstractmethod
    async def _read(self, sha256: str) -> tuple[BlobInfo, bytes] | None:
        """The blob and its metadata, or None (the hash is well formed)."""


class FolderBlobStore(BlobStore):
    """Blobs as files under a folder (the embedded stack's data directory): `ab/cd/<sha256>` plus a `.json` beside it."""

    def __init__(self, root: Path, **limits) -> None:
        super().__init__(**limits)
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def _exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self._path(sha256).is_file)

    async def _info(self, sha256: str) -> BlobInfo | None:
        return await asyncio.to_thread(self._read_info, sha256)

    def _read_info(self, sha256: str) -> BlobInfo | None:
        path = self._path(sha256)
        try:
            info = BlobInfo(**json.loads(path.with_suffix(".json").read_text()))
        except FileNotFoundError:
            return None
        return info if path.is_file() else None

    async def _write(self, info: BlobInfo, data: bytes) -> None:
        await asyncio.to_thread(self._write_files, info, data)

    def _write_files(self, info: BlobInfo, data: bytes) -> None:
        path = self._path(info.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Metadata first, then the bytes, each by an atomic rename: a blob that exists has its metadata.
        _write_atomically(path.with_suffix(".json"), json.dumps(asdict(info)).encode())
        _write_atomically(path, data)

    async def _read(self, sha256: str) -> tuple[BlobInfo, bytes] | None:
        return await asyncio.to_thread(self._read_files, sha256)

    def _read_files(self, sha256: str) -> tuple[BlobInfo, bytes] | None:
        path = self._path(sha256)
        try:
            data = path.read_bytes()
            info = BlobInfo(**json.loads(path.with_suffix(".json").read_text()))
        except FileNotFoundError:
            return None
        return info, data


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class S3BlobStore(BlobStore):
    """Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...) through boto3.

    Credentials come from boto3's usual chain (environment, profile, instance role), never from our settings.
    """

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, client=None, **limits) -> None:
        super().__init__(**limits)
        if client is None:
            import boto3  # only deployments that use object storage need it

            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}sha256/{sha256}"

    async def _exists(self, sha256: str) -> bool:
        return await self._info(sha256) is not None

    async def _info(self, sha256: str) -> BlobInfo | None:
        from botocore.exceptions import ClientError

        try:
            head = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return BlobInfo(sha256, head.get("ContentType", "application/octet-stream"), head["ContentLength"])

    async def _write(self, info: BlobInfo, data: bytes) -> None:
        # One PUT carries bytes and metadata together; the store checks the bytes against our hash.
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=self._key(info.sha256), Body=data,
            ContentType=info.content_type, ChecksumSHA256=_base64_sha256(info.sha256),
        )

    async def _read(self, sha256: str) -> tuple[BlobInfo, bytes] | None:
        from botocore.exceptions import ClientError

        try:
            found = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        data = await asyncio.to_thread(found["Body"].read)
        return BlobInfo(sha256, found.get("ContentType", "application/octet-stream"), len(data)), data


def _base64_sha256(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def blob_store_from(settings, *, content_types: Iterable[str] = IMAGE_TYPES) -> BlobStore:
    """The store the settings name: a bucket when `blob_s3_bucket` is set, else the blob folder."""
    limits = {"max_bytes": settings.blob_max_bytes, "content_types": content_types}
    if settings.blob_s3_bucket:
        return S3BlobStore(settings.blob_s3_bucket, prefix=settings.blob_s3_prefix,
                           endpoint_url=settings.blob_s3_endpoint_url, region=settings.blob_s3_region, **limits)
    return FolderBlobStore(settings.blob_folder, **limits)
