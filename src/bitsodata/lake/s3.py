"""The lake on S3 (or an S3-compatible store): one PUT per file, so no reader sees half a file.

Endpoint, region and credentials come from ``LakeSettings`` (environment or settings file), never
from code; secret values are only unwrapped when the client is built and never logged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
)

from bitsodata.errors import LakeError, LakeKeyMissing, LakeUnavailable
from bitsodata.lake.storage import check_key
from bitsodata.settings import LakeSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
_TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "RequestTimeout",
    "ServiceUnavailable",
    "InternalError",
}


def split_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> (``bucket``, ``some/prefix``)."""
    if not url.startswith("s3://"):
        raise LakeError("not an s3:// URL", url=url)
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise LakeError("an s3:// URL needs a bucket", url=url)
    return bucket, prefix.strip("/")


class S3Storage:
    """Objects under ``s3://bucket/prefix``; keys are relative to the prefix."""

    def __init__(self, url: str, client: S3Client) -> None:
        self.url = url
        self.bucket, self.prefix = split_s3_url(url)
        self._client = client

    def __repr__(self) -> str:
        return f"S3Storage({self.url!r})"

    @classmethod
    def from_settings(cls, settings: LakeSettings) -> S3Storage:
        """Build the boto3 client from the settings (AWS's credential chain when keys are unset)."""
        kwargs: dict[str, Any] = {"region_name": settings.s3_region}
        if settings.s3_endpoint_url:
            kwargs["endpoint_url"] = settings.s3_endpoint_url
        if settings.s3_access_key_id is not None and settings.s3_secret_access_key is not None:
            kwargs["aws_access_key_id"] = settings.s3_access_key_id.get_secret_value()
            kwargs["aws_secret_access_key"] = settings.s3_secret_access_key.get_secret_value()
        timeout = settings.s3_timeout_seconds
        config = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": settings.s3_max_attempts, "mode": "standard"},
        )
        client = boto3.session.Session().client("s3", config=config, **kwargs)
        return cls(settings.url, client)

    def _full(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, full: str) -> str:
        return full[len(self.prefix) + 1 :] if self.prefix else full

    def put(self, key: str, data: bytes) -> None:
        with _translate(self.url, key):
            self._client.put_object(Bucket=self.bucket, Key=self._full(key), Body=data)

    def get(self, key: str) -> bytes:
        with _translate(self.url, key):
            answer = self._client.get_object(Bucket=self.bucket, Key=self._full(key))
            data: bytes = answer["Body"].read()
        return data

    def exists(self, key: str) -> bool:
        try:
            with _translate(self.url, key):
                self._client.head_object(Bucket=self.bucket, Key=self._full(key))
        except LakeKeyMissing:
            return False
        return True

    def folders(self, prefix: str) -> list[str]:
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        names: set[str] = set()
        with _translate(self.url, prefix):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full, Delimiter="/"
            )
            for page in pages:
                for common in page.get("CommonPrefixes", []):
                    names.add(common["Prefix"][len(full) :].rstrip("/"))
        return sorted(n for n in names if n)

    def list(self, prefix: str) -> list[str]:
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        keys: list[str] = []
        with _translate(self.url, prefix):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full
            )
            for page in pages:
                keys.extend(self._relative(obj["Key"]) for obj in page.get("Contents", []))
        return sorted(keys)

    def delete(self, key: str) -> None:
        with _translate(self.url, key):
            self._client.delete_object(Bucket=self.bucket, Key=self._full(key))


@contextmanager
def _translate(url: str, key: str) -> Iterator[None]:
    """Map botocore failures onto the lake's exception tree (Transient vs Terminal by type)."""
    ctx = {"key": key, "lake": url}
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code == "NoSuchBucket":  # a 404 too, but a setup error, not a missing key
            raise LakeError(f"S3 bucket does not exist: {exc}", **ctx) from exc
        if code in _MISSING_CODES or status == 404:
            raise LakeKeyMissing("no such lake object", **ctx) from exc
        if code in _TRANSIENT_CODES or status >= 500:
            raise LakeUnavailable(f"S3 answered {code or status}", **ctx) from exc
        raise LakeError(f"S3 refused the request: {code or status}", **ctx) from exc
    except (ConnectionError, HTTPClientError) as exc:
        raise LakeUnavailable(f"S3 endpoint unreachable: {type(exc).__name__}", **ctx) from exc
    except NoCredentialsError as exc:
        raise LakeError("no S3 credentials (settings or the AWS chain)", **ctx) from exc
    except BotoCoreError as exc:
        raise LakeError(f"S3 client error: {type(exc).__name__}", **ctx) from exc
