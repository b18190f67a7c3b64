"""Storage in an S3-compatible object store, through boto3.

One bucket; the two areas are key prefixes. Credentials come the way boto3 always finds
them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or an instance role), so no
secret is ever in Caseway's own settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError

from shared.storage import Area, Readable, StorageUnavailable, check_key


class S3Storage:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None) -> S3Storage:
        parts = urlsplit(url)
        client = boto3.client("s3", endpoint_url=endpoint_url or None)
        return cls(client, parts.netloc, parts.path)

    def _key(self, area: Area, key: str) -> str:
        name = f"{area.value}/{check_key(key)}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, area: Area, key: str, stream: Readable) -> int:
        counted = _Counting(stream)
        # upload_fileobj sends in parts, so a large file is never held in memory.
        self.client.upload_fileobj(counted, self.bucket, self._key(area, key))
        return counted.size

    def adopt(self, area: Area, key: str, path: Path) -> None:
        try:
            self.client.upload_file(str(path), self.bucket, self._key(area, key))
        except (BotoCoreError, ClientError, S3UploadFailedError) as error:
            raise StorageUnavailable(str(error)) from error
        path.unlink()

    def open(self, area: Area, key: str) -> BinaryIO:
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self._key(area, key))
        except ClientError as error:
            raise FileNotFoundError(self._key(area, key)) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error
        return cast(BinaryIO, reply["Body"])

    def exists(self, area: Area, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(area, key))
        except ClientError:
            return False
        return True

    def move(self, key: str, source: Area, target: Area) -> None:
        # Copy first, delete after: a crash in between leaves a copy, never no file.
        origin = {"Bucket": self.bucket, "Key": self._key(source, key)}
        try:
            self.client.copy(origin, self.bucket, self._key(target, key))
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise
            if not self.exists(target, key):
                raise FileNotFoundError(origin["Key"]) from error
            return  # moved already
        self.client.delete_object(**origin)

    def delete(self, area: Area, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(area, key))


_MISSING = {"404", "NoSuchKey"}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class _Counting:
    def __init__(self, stream: Readable) -> None:
        self._stream, self.size = stream, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.size += len(chunk)
        return chunk
