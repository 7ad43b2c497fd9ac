"""The blob store contract, run against the folder and against a real S3-protocol server (moto)."""

from __future__ import annotations

import hashlib

import pytest
from siks_events.blobs import BlobNotFound, BlobTooLarge, FolderBlobStore, S3BlobStore, UnsupportedContentType

PHOTO = b"\xff\xd8\xff\xe0 a small JPEG of a roof"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer
    from siks_events.devstack import free_port

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._port}"
    finally:
        server.stop()


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path, monkeypatch):
    if request.param == "folder":
        return FolderBlobStore(tmp_path / "blobs", max_bytes=1000)
    import boto3

    endpoint = request.getfixturevalue("s3_endpoint")
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"photos-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    return S3BlobStore(bucket, prefix="verification/", client=client, max_bytes=1000)


async def test_a_file_is_stored_under_its_sha256_and_read_back_with_its_content_type(store):
    stored = await store.put(PHOTO, "image/jpeg")
    assert stored.created and stored.info.sha256 == hashlib.sha256(PHOTO).hexdigest()
    info, data = await store.get(stored.info.sha256)
    assert data == PHOTO and info.content_type == "image/jpeg" and info.size == len(PHOTO)
    assert await store.exists(stored.info.sha256) and await store.info(stored.info.sha256) == info


async def test_the_same_bytes_put_twice_are_stored_once(store):
    first = await store.put(PHOTO, "image/jpeg")
    second = await store.put(PHOTO, "image/jpeg; charset=binary")
    assert (first.created, second.created) == (True, False) and first.info == second.info


async def test_a_file_over_the_limit_or_of_another_type_is_refused_and_not_stored(store):
    with pytest.raises(BlobTooLarge):
        await store.put(b"x" * 1001, "image/png")
    with pytest.raises(UnsupportedContentType):
        await store.put(PHOTO, "application/pdf")
    assert not await store.exists(hashlib.sha256(b"x" * 1001).hexdigest())
    assert not await store.exists(hashlib.sha256(PHOTO).hexdigest())


async def test_an_unknown_or_malformed_hash_is_not_found(store):
    assert not await store.exists("0" * 64) and not await store.exists("../../etc/passwd")
    assert await store.info("0" * 64) is None and await store.info("../x") is None
    with pytest.raises(BlobNotFound):
        await store.get("0" * 64)
    with pytest.raises(BlobNotFound):
        await store.get("not-a-hash")
