"""Photos in an S3-compatible bucket (MinIO, Ceph RGW, AWS S3): many app hosts, no shared disk.

Nothing here talks to the network until a photo is saved, read or listed: the app builds
(and `flask` commands run) with the S3 server down. The client is made on first use with
short timeouts and botocore's standard retries with two attempts in all, so a dead or hung
server holds a web worker for seconds (at most ~22 s, inside gunicorn's 30 s), not
minutes; /readyz asks with one try of PROBE_TIMEOUT; path-style addressing
(`endpoint/bucket/key`) because MinIO and Ceph do not serve bucket subdomains by default.

Every failure becomes the StorageFailure the local folder raises (errno_name "S3
unreachable", "S3 AccessDenied", "S3 NoSuchBucket", ...), so the citizen gets the same
answer: the photo cannot be stored now, send the report without it. Objects are private
(no ACL is ever set) and named by the bare key; a single PUT is atomic, so a reader never
sees half a photo and a failed PUT leaves no object.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from portal.photo_store.base import (
    PhotoMissing,
    StorageFailure,
    StoredItem,
    check_key,
    layout_name,
    new_key,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2  # seconds; a server that does not accept by then is down
READ_TIMEOUT = 10  # seconds; an 8 MB photo on a slow link between hosts still fits
# The first try and one retry, in all (botocore's `total_max_attempts`: its `max_attempts`
# counts retries only, and 2 there made three tries). A hung S3 (accepts, never answers)
# then holds a worker MAX_ATTEMPTS * READ_TIMEOUT = 20 s, inside gunicorn's 30 s timeout.
MAX_ATTEMPTS = 2
PROBLEM_TTL = 15.0  # seconds a readiness answer is reused: a probe must not hammer S3
# /readyz asks the bucket with one short try: a load balancer's check gives up after a
# few seconds (HAProxy's `timeout check`), and a hung S3 must not fail every host's check.
PROBE_TIMEOUT = 0.75  # seconds, for the connect and for the answer
# After a timeout (S3 hung or blackholed, not refusing) this process fails photo calls at
# once for this long: a case page's thumbnails would otherwise each hold a sync worker for
# the whole timeout, and a few of them leave no worker for anyone. Refusals (S3 down) fail
# fast by themselves and do not trip it; the first call after the hold asks S3 again.
HOLD_AFTER_TIMEOUT = 10.0  # seconds
_TIMEOUTS = (ConnectTimeoutError, ReadTimeoutError)

_UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
    BotoConnectionError,
)
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def failure(exc: Exception, *, bucket_call: bool = False) -> StorageFailure:
    """The StorageFailure for a botocore error, named for the operator's log."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("", "404", "NotFound") and bucket_call:
            code = "NoSuchBucket"
        elif code in ("", "403", "Forbidden"):
            code = "AccessDenied" if status == 403 or code else f"HTTP {status}"
        return StorageFailure(exc, f"S3 {code}")
    if isinstance(exc, _UNREACHABLE):
        return StorageFailure(exc, "S3 unreachable")
    if isinstance(exc, NoCredentialsError):
        return StorageFailure(exc, "S3 NoCredentials")
    return StorageFailure(exc, f"S3 {exc.__class__.__name__}")


class S3PhotoStore:
    """UPLOAD_STORAGE=s3: one private bucket, objects named by the photo's key."""

    kind = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
    ):
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self._credentials = (access_key, secret_key)
        self._client: Any = None
        self._probe_client: Any = None
        self._lock = threading.Lock()
        self._problem: tuple[float, str | None] | None = None
        self._hold_until = 0.0  # time.monotonic() before which calls fail fast

    def _call(self, method: str, **params: Any) -> Any:
        """One S3 call, failing fast while a recent timeout holds (HOLD_AFTER_TIMEOUT)."""
        if time.monotonic() < self._hold_until:
            raise StorageFailure(ReadTimeoutError(endpoint_url=self.endpoint_url or "AWS"),
                                 "S3 unreachable")  # fmt: skip
        try:
            return getattr(self._s3(), method)(**params)
        except _TIMEOUTS:
            self._hold_until = time.monotonic() + HOLD_AFTER_TIMEOUT
            raise

    def _s3(self) -> Any:
        """The boto3 client, made on first use (making it does no network call either)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._new_client(CONNECT_TIMEOUT, READ_TIMEOUT, MAX_ATTEMPTS)
        return self._client

    def _probe(self) -> Any:
        """The readiness probe's client: one try, PROBE_TIMEOUT for connect and answer."""
        if self._probe_client is None:
            with self._lock:
                if self._probe_client is None:
                    self._probe_client = self._new_client(PROBE_TIMEOUT, PROBE_TIMEOUT, 1)
        return self._probe_client

    def _new_client(self, connect: float, read: float, attempts: int) -> Any:
        access, secret = self._credentials
        session = boto3.session.Session()  # the default one is not thread-safe
        return session.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=access,
            aws_secret_access_key=secret,
            region_name=self.region,
            config=Config(
                connect_timeout=connect,
                read_timeout=read,
                retries={"mode": "standard", "total_max_attempts": attempts},
                s3={"addressing_style": "path"},
                signature_version="s3v4",
            ),
        )

    def describe(self) -> str:
        return f"S3 bucket {self.bucket} at {self.endpoint_url or 'AWS'}"

    def where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        key = new_key(suffix)
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes) -> None:
        check_key(key)  # a restore's key names one of the portal's objects, nothing else
        suffix = key[key.rfind(".") :] if "." in key else ""
        try:
            self._call(
                "put_object",
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=_CONTENT_TYPES.get(suffix, "application/octet-stream"),
            )
        except (BotoCoreError, ClientError) as exc:
            if isinstance(exc, (ReadTimeoutError, ConnectionClosedError)):
                # The answer was lost, the object may exist: remove it, with the probe's
                # one short try (a full delete against a hung S3 would hold the worker as
                # long again, past gunicorn's timeout). If that fails too, the sweep does.
                self._remove_quickly(key)
            raise failure(exc) from exc

    def _remove_quickly(self, key: str) -> None:
        try:
            self._probe().delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            log.warning("could not delete %s (%s); the sweep removes it", self.where(key), exc)

    def read(self, key: str) -> bytes:
        try:
            answer = self._call("get_object", Bucket=self.bucket, Key=key)
            return answer["Body"].read()  # photos are at most PHOTO_MAX_BYTES (8 MB)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING_CODES:
                raise PhotoMissing(key, self.where(key)) from exc
            raise failure(exc) from exc
        except BotoCoreError as exc:
            raise failure(exc) from exc

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING_CODES:
                return False
            raise failure(exc) from exc
        except BotoCoreError as exc:
            raise failure(exc) from exc
        return True

    def delete(self, key: str) -> None:
        try:
            self._s3().delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:  # left to the sweep
            log.warning("could not delete %s (%s); the sweep removes it", self.where(key), exc)

    def items(self) -> Iterator[StoredItem]:
        pages = self._s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        try:
            for page in pages:
                for obj in page.get("Contents", ()):
                    key = obj["Key"]
                    if "/" in key:  # not a name this store writes
                        continue
                    yield StoredItem(
                        key=key,
                        name=layout_name(key),
                        modified=obj["LastModified"].timestamp(),
                        size=int(obj.get("Size", 0)),
                    )
        except (BotoCoreError, ClientError) as exc:
            raise failure(exc, bucket_call=True) from exc

    def remove(self, item: StoredItem) -> None:
        try:
            self._s3().delete_object(Bucket=self.bucket, Key=item.key)
        except (BotoCoreError, ClientError) as exc:
            raise failure(exc) from exc

    def problem(self) -> str | None:
        """Whether the bucket answers (HEAD bucket), reused for PROBLEM_TTL seconds."""
        now = time.monotonic()
        cached = self._problem
        if cached is not None and now - cached[0] < PROBLEM_TTL:
            return cached[1]
        reason: str | None = None
        try:
            self._probe().head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            found = failure(exc, bucket_call=True)
            # /readyz is public: the reason names the kind of failure only; the bucket,
            # the endpoint and botocore's message (which holds the URL) stay in the log.
            reason = found.errno_name
            log.warning(
                "photo store not usable: %s (%s): %s", reason, self.describe(), found.detail
            )
        self._problem = (now, reason)
        return reason

    def forget_problem(self) -> None:
        """Ask the bucket again on the next readiness probe (tests, an operator's fix)."""
        self._problem = None
