"""Every S3 failure is named the way the operator's log and /readyz say it, and becomes
the StorageFailure the local folder raises (botocore's own exception classes)."""

from __future__ import annotations

import errno

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from portal.photo_store import LocalPhotoStore, PhotoMissing, StorageFailure, build_photo_store
from portal.photo_store.s3 import S3PhotoStore, failure


def client_error(code: str, status: int, operation: str = "PutObject") -> ClientError:
    error = {"Code": code, "Message": code}
    return ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


@pytest.mark.parametrize(
    ("exc", "bucket_call", "name"),
    [
        (client_error("AccessDenied", 403), False, "S3 AccessDenied"),
        (client_error("403", 403, "HeadBucket"), True, "S3 AccessDenied"),
        (client_error("NoSuchBucket", 404), False, "S3 NoSuchBucket"),
        (client_error("404", 404, "HeadBucket"), True, "S3 NoSuchBucket"),
        (client_error("SlowDown", 503), False, "S3 SlowDown"),
        (EndpointConnectionError(endpoint_url="http://minio:9000"), False, "S3 unreachable"),
        (ReadTimeoutError(endpoint_url="http://minio:9000"), False, "S3 unreachable"),
    ],
)
def test_s3_failures_are_named_for_the_operator(exc, bucket_call, name):
    found = failure(exc, bucket_call=bucket_call)
    assert isinstance(found, StorageFailure)
    assert found.errno_name == name and found.detail


def test_a_folder_failure_keeps_its_errno_name():
    found = StorageFailure(OSError(errno.ENOSPC, "No space left on device"))
    assert found.errno_name == "ENOSPC" and found.detail == "No space left on device"


def test_the_settings_choose_the_store_without_touching_the_network():
    local = build_photo_store({"UPLOAD_STORAGE": "local", "UPLOAD_FOLDER": "/srv/uploads"})
    assert local == LocalPhotoStore("/srv/uploads")
    remote = build_photo_store(
        {"UPLOAD_STORAGE": "s3", "S3_BUCKET": "photos", "S3_ENDPOINT_URL": "http://minio:9000"}
    )
    assert isinstance(remote, S3PhotoStore) and remote._client is None
    assert remote.where("ab.jpg") == "s3://photos/ab.jpg"


def test_a_missing_local_photo_is_photo_missing(tmp_path):
    with pytest.raises(PhotoMissing) as missing:
        LocalPhotoStore(str(tmp_path)).read("ab" + "0" * 30 + ".jpg")
    assert str(tmp_path) in missing.value.where
