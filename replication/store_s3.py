"""An S3-compatible object store: ``replicate.store.url = s3://bucket/prefix``.

Objects are ``<prefix>/<group>/<name>`` keys. Connection settings come from
``replicate.store.endpoint``, ``.region``, ``.access-key-id``, ``.secret-access-key``,
``.session-token`` and ``.addressing-style`` when set, else from the usual AWS variables and
files (``AWS_ENDPOINT_URL``, ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ...), as boto3 reads them.

Integrity does not rest on the ETag: a multipart upload's ETag is no MD5 of the object. So the
MD5 of what was sent is computed before the upload and stored as the object's metadata
(``x-amz-meta-bsf-md5``); each request body also carries a ``Content-MD5`` the service checks
(every part of a multipart upload included); a fetch hashes what it receives and refuses a copy
whose MD5 or size differs from the recorded ones. AIPs larger than
``replicate.store.multipart.threshold.mb`` (default 64) go up in parts of
``replicate.store.multipart.chunk.mb`` (default 16, S3's minimum is 5), one part in memory at a
time; a failed multipart upload is aborted, never left half-made. The ETag serves as the
object's change token in listings.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bsfcore.errors import PackageError
from packager.options import option_error
from replication.store import StoreConfig
from replication.store_base import (
    CHUNK,
    NAME,
    StoredObject,
    atomic_copy,
    check_name,
    corrupt,
    md5_file,
)

MD5_KEY = "bsf-md5"
MIB = 1 << 20
MIN_PART = 5 * MIB


def _b64(md5_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(md5_hex)).decode("ascii")


def _missing(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    return str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound")


class S3ObjectStore:
    """Objects in an S3 bucket (AWS, MinIO, Ceph, ... or moto's server in the tests)."""

    def __init__(self, bucket: str, prefix: str = "", *, settings: dict[str, str] | None = None,
                 threshold: int = 64 * MIB, chunk: int = 16 * MIB) -> None:
        if chunk < MIN_PART:
            raise option_error("replicate.store.multipart.chunk.mb: S3 parts are at least 5 "
                               "MiB")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.settings = dict(settings or {})
        self.threshold = max(threshold, 1)
        self.chunk = chunk
        self._client: Any = None
        self._pid = 0

    @classmethod
    def from_config(cls, config: StoreConfig) -> S3ObjectStore:
        url = config.url or ""
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise option_error(f"replicate.store.url: {url!r} names no bucket")
        keys = dict(config.s3)

        def mib(key: str, default: int) -> int:
            value = keys.pop(key, None)
            if value is None:
                return default * MIB
            if not value.strip().isdigit():
                raise option_error(f"replicate.store.{key}: expected a number of MiB, got "
                                   f"{value!r}")
            return int(value) * MIB

        threshold = mib("multipart.threshold.mb", 64)
        chunk = mib("multipart.chunk.mb", 16)
        return cls(bucket, prefix, settings=keys, threshold=threshold, chunk=chunk)

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.describe()!r})"

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    # -- the client (one per process: forked sync workers make their own) --------------------

    @property
    def client(self) -> Any:
        if self._client is None or self._pid != os.getpid():
            import boto3
            from botocore.config import Config

            s = self.settings
            session = boto3.session.Session(
                aws_access_key_id=s.get("access-key-id"),
                aws_secret_access_key=s.get("secret-access-key"),
                aws_session_token=s.get("session-token"), region_name=s.get("region"))
            config = Config(s3={"addressing_style": s.get("addressing-style", "auto")},
                            retries={"max_attempts": 5, "mode": "standard"},
                            request_checksum_calculation="when_required",
                            response_checksum_validation="when_required")
            self._client = session.client("s3", endpoint_url=s.get("endpoint") or None,
                                          config=config)
            self._pid = os.getpid()
        return self._client

    def _key(self, group: str, name: str) -> str:
        return f"{self.prefix}{check_name(group)}/{check_name(name)}"

    def _where(self, group: str, name: str) -> str:
        return f"{group}/{name} in {self.describe()}"

    # -- ObjectStore -----------------------------------------------------------------------

    def exists(self, group: str, name: str) -> bool:
        return self.stat(group, name) is not None

    def stat(self, group: str, name: str) -> StoredObject | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(group, name))
        except Exception as exc:
            if _missing(exc):
                return None
            raise PackageError(f"{self._where(group, name)}: {exc}") from None
        return StoredObject(group, name, int(head["ContentLength"]),
                            head.get("Metadata", {}).get(MD5_KEY, ""),
                            head["LastModified"].astimezone(UTC),
                            str(head.get("ETag", "")).strip('"'))

    def _get(self, group: str, name: str) -> dict[str, Any] | None:
        try:
            got: dict[str, Any] = self.client.get_object(Bucket=self.bucket,
                                                         Key=self._key(group, name))
        except Exception as exc:
            if _missing(exc):
                return None
            raise PackageError(f"{self._where(group, name)}: {exc}") from None
        return got

    def digest(self, group: str, name: str) -> str | None:
        got = self._get(group, name)
        if got is None:
            return None
        digest = hashlib.md5(usedforsecurity=False)
        for chunk in got["Body"].iter_chunks(CHUNK):
            digest.update(chunk)
        return digest.hexdigest()

    def fetch(self, group: str, name: str, dest: Path) -> StoredObject:
        got = self._get(group, name)
        if got is None:
            raise PackageError(f"{group}/{name}: not in the object store {self.describe()}")
        md5, size = atomic_copy(got["Body"], dest)
        recorded = got.get("Metadata", {}).get(MD5_KEY, "")
        if size != int(got["ContentLength"]):
            dest.unlink(missing_ok=True)
            raise PackageError(f"{group}/{name}: fetched {size} bytes, the store announced "
                               f"{got['ContentLength']}; try again")
        if recorded and md5 != recorded:
            dest.unlink(missing_ok=True)
            raise corrupt(group, name, md5, recorded, "recorded in its metadata when it was "
                          "transmitted")
        return StoredObject(group, name, size, md5, got["LastModified"].astimezone(UTC),
                            str(got.get("ETag", "")).strip('"'))

    def transfer(self, group: str, name: str, source: Path) -> StoredObject:
        source = Path(source)
        key = self._key(group, name)
        md5, size = md5_file(source)
        try:
            if size <= self.threshold:
                with source.open("rb") as fh:
                    data = fh.read(size + 1)
                if len(data) != size or hashlib.md5(data, usedforsecurity=False).hexdigest() \
                        != md5:
                    raise PackageError(f"{group}/{name}: its source {source} changed while it "
                                       "was sent")
                put = self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                                             ContentMD5=_b64(md5), Metadata={MD5_KEY: md5})
                etag = str(put.get("ETag", "")).strip('"')
                if etag == md5:  # the service checked Content-MD5 and stored these bytes
                    return StoredObject(group, name, size, md5, datetime.now(UTC), etag)
            else:
                self._multipart(key, source, md5, size, f"{group}/{name}")
        except PackageError:
            raise
        except Exception as exc:
            raise PackageError(f"{self._where(group, name)}: upload failed: {exc}") from None
        # a multipart upload (or an ETag that is no MD5, e.g. SSE-KMS): ask what is stored
        stored = self.stat(group, name)
        if stored is None or stored.size != size or stored.md5 != md5:
            raise PackageError(f"{self._where(group, name)}: the store does not hold what was "
                               "sent (size or checksum differs after the upload)")
        return stored

    def _multipart(self, key: str, source: Path, md5: str, size: int, what: str) -> None:
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key,
                                                     Metadata={MD5_KEY: md5})
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        whole = hashlib.md5(usedforsecurity=False)
        sent = 0
        try:
            with source.open("rb") as fh:
                while data := fh.read(self.chunk):
                    whole.update(data)
                    sent += len(data)
                    part_md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
                    done = self.client.upload_part(
                        Bucket=self.bucket, Key=key, UploadId=upload_id,
                        PartNumber=len(parts) + 1, Body=data, ContentMD5=_b64(part_md5))
                    parts.append({"ETag": done["ETag"], "PartNumber": len(parts) + 1})
            if sent != size or whole.hexdigest() != md5:
                raise PackageError(f"{what}: its source {source} changed while it was sent")
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=key,
                                                  UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            # the original error matters; an upload that cannot be aborted expires
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                                   UploadId=upload_id)
            raise

    def remove(self, group: str, name: str) -> int:
        stored = self.stat(group, name)
        if stored is None:
            return 0
        self.client.delete_object(Bucket=self.bucket, Key=self._key(group, name))
        return stored.size

    def list(self, group: str) -> Iterator[StoredObject]:
        folder = f"{self.prefix}{check_name(group)}/"
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=folder)
        found: list[StoredObject] = []
        try:
            for page in pages:
                for entry in page.get("Contents", []):
                    name = str(entry["Key"])[len(folder):]
                    if "/" in name or not NAME.match(name):
                        continue
                    modified = entry["LastModified"]
                    found.append(StoredObject(
                        group, name, int(entry["Size"]), "",
                        modified.astimezone(UTC) if isinstance(modified, datetime) else modified,
                        str(entry.get("ETag", "")).strip('"')))
        except Exception as exc:
            raise PackageError(f"{folder} in {self.describe()}: listing failed: {exc}") \
                from None
        yield from sorted(found, key=lambda o: o.name)


__all__ = ["S3ObjectStore"]
