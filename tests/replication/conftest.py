"""Fixtures of the replication tests: an asset store, a small archive, an object store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archive.assetstore import AssetStore
from replication.store import LocalObjectStore, StoreConfig
from tests.replication.builder import SmallArchive, build_small_archive


@pytest.fixture(autouse=True)
def _quiet_bagit() -> None:
    logging.getLogger("bagit").setLevel(logging.ERROR)


@pytest.fixture
def assets(tmp_path: Path) -> AssetStore:
    root = tmp_path / "assetstore"
    root.mkdir()
    return AssetStore({0: root})


@pytest.fixture
def small(engine: Engine, assets: AssetStore) -> SmallArchive:
    return build_small_archive(engine, assets)


@pytest.fixture
def store_config(tmp_path: Path) -> StoreConfig:
    return StoreConfig(tmp_path / "replica-store")


@pytest.fixture
def object_store(store_config: StoreConfig) -> LocalObjectStore:
    return LocalObjectStore(store_config.store_dir)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-protocol server on 127.0.0.1: moto's standalone server, in its own process."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start: "
                                       + (server.stderr.read().decode() if server.stderr
                                          else "")) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket; the usual AWS variables point boto3 at the local server."""
    import uuid

    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    name = f"bsf-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name
