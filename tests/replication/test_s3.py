"""The S3 object store against a real S3-protocol server (moto's, started on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import boto3
import pytest
from sqlalchemy import Engine

from archive.assetstore import AssetStore
from bsfcore.errors import ConfigError, PackageError
from bsfcore.settings import load_settings
from replication.aip import DSpaceAipPackager
from replication.restore import restore_site
from replication.status import store_status
from replication.store_s3 import MD5_KEY, S3ObjectStore
from replication.stores import open_store
from replication.sync import sync
from tests.packager.ingest_helpers import target_archive
from tests.replication.builder import ADMIN, SmallArchive

MIB = 1 << 20


def test_objects_round_trip_with_their_checksum(s3_bucket: str, tmp_path: Path) -> None:
    store = S3ObjectStore(s3_bucket, "backups/dspace", threshold=5 * MIB, chunk=5 * MIB)
    small = tmp_path / "small.zip"
    small.write_bytes(b"a small AIP")
    big = tmp_path / "big.zip"
    big.write_bytes(os.urandom(11 * MIB + 123))  # three parts
    sent_small = store.transfer("aip-store", "ITEM@1-2.zip", small)
    sent_big = store.transfer("aip-store", "ITEM@1-3.zip", big)
    assert sent_big.md5 == hashlib.md5(big.read_bytes()).hexdigest()
    assert sent_big.token.endswith("-3")  # a multipart ETag: no MD5, hence our own checksum
    assert sent_small.md5 == sent_small.token == hashlib.md5(b"a small AIP").hexdigest()
    head = boto3.client("s3").head_object(Bucket=s3_bucket,
                                          Key="backups/dspace/aip-store/ITEM@1-3.zip")
    assert head["Metadata"][MD5_KEY] == sent_big.md5
    listed = {o.name: o for o in store.list("aip-store")}
    assert sorted(listed) == ["ITEM@1-2.zip", "ITEM@1-3.zip"]
    assert listed["ITEM@1-3.zip"].size == big.stat().st_size
    assert listed["ITEM@1-3.zip"].token == sent_big.token
    fetched = store.fetch("aip-store", "ITEM@1-3.zip", tmp_path / "out" / "big.zip")
    assert fetched.md5 == sent_big.md5
    assert (tmp_path / "out" / "big.zip").read_bytes() == big.read_bytes()
    assert store.digest("aip-store", "ITEM@1-3.zip") == sent_big.md5
    # the object is replaced behind our back (same recorded checksum): the fetch refuses it
    boto3.client("s3").put_object(Bucket=s3_bucket, Key="backups/dspace/aip-store/ITEM@1-2.zip",
                                  Body=b"another AIP", Metadata={MD5_KEY: sent_small.md5})
    with pytest.raises(PackageError, match=r"ITEM@1-2\.zip: corrupt store object"):
        store.fetch("aip-store", "ITEM@1-2.zip", tmp_path / "out" / "small.zip")
    assert not (tmp_path / "out" / "small.zip").exists()
    assert store.remove("aip-store", "ITEM@1-2.zip") == len(b"another AIP")
    assert store.remove("aip-store", "ITEM@1-2.zip") == 0
    assert not store.exists("aip-store", "ITEM@1-2.zip")
    with pytest.raises(PackageError, match="not in the object store"):
        store.fetch("aip-store", "ITEM@1-2.zip", tmp_path / "x")
    with pytest.raises(PackageError, match="invalid object name"):
        store.exists("aip-store", "../x.zip")
    # no upload is left half made in the bucket
    uploads = boto3.client("s3").list_multipart_uploads(Bucket=s3_bucket)
    assert not uploads.get("Uploads")


def test_configuration(s3_bucket: str, s3_endpoint: str, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "bsf.cfg"
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # the endpoint from the file this time
    cfg.write_text(f"replicate.store.url = s3://{s3_bucket}/pre\n"
                   f"replicate.store.endpoint = {s3_endpoint}\n"
                   "replicate.store.region = eu-west-1\n"
                   "replicate.store.access-key-id = k\nreplicate.store.secret-access-key = s\n"
                   "replicate.store.multipart.threshold.mb = 5\n")
    store, config = open_store(load_settings(cfg))
    assert isinstance(store, S3ObjectStore) and store.threshold == 5 * MIB
    assert config.location == f"s3://{s3_bucket}/pre" and store.describe().endswith("/pre/")
    (tmp_path / "a").write_bytes(b"x")
    assert store.transfer("aip-store", "ITEM@1-2.zip", tmp_path / "a").size == 1
    for text, message in (
            (f"replicate.store.url = s3://{s3_bucket}\nreplicate.store.dir = {tmp_path}\n",
             "not both"),
            (f"replicate.store.url = s3://{s3_bucket}\nreplicate.store.bogus = 1\n",
             "unknown store setting 'replicate.store.bogus'"),
            (f"replicate.store.dir = {tmp_path}\nreplicate.store.region = x\n",
             "only for an S3 store"),
            ("replicate.store.url = http://example.org/x\n", "not an s3://bucket/prefix"),
            (f"replicate.store.url = s3://{s3_bucket}\nreplicate.store.multipart.chunk.mb = 1\n",
             "at least 5 MiB")):
        cfg.write_text(text)
        with pytest.raises(ConfigError, match=message):
            open_store(load_settings(cfg))


def test_sync_repair_and_site_restore_through_s3(engine: Engine, small: SmallArchive,
                                                 assets: AssetStore, s3_bucket: str,
                                                 tmp_path: Path, request: pytest.FixtureRequest,
                                                 ) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"replicate.store.url = s3://{s3_bucket}/replicas\n")
    store, config = open_store(load_settings(cfg))
    packager = DSpaceAipPackager(assets, eperson=ADMIN, export_options={"validate": "false"})
    first = sync(engine, store, config, packager)
    assert first.ok and len(first.transmitted) == 9
    assert sync(engine, store, config, packager).transmitted == []
    client = boto3.client("s3")
    client.delete_object(Bucket=s3_bucket, Key="replicas/aip-store/ITEM@123456789-4.zip")
    key = "replicas/aip-store/ITEM@123456789-5.zip"
    body = client.get_object(Bucket=s3_bucket, Key=key)
    good = body["Body"].read()
    client.put_object(Bucket=s3_bucket, Key=key, Body=good[:-1] + b"\0",
                      Metadata=body["Metadata"])  # rewritten in place: a new ETag
    status = store_status(engine, store, config)
    assert status.missing_in_store == ["aip-store/ITEM@123456789-4.zip"]
    assert status.checksum_mismatch == ["aip-store/ITEM@123456789-5.zip"]
    repaired = sync(engine, store, config, packager)
    assert sorted(repaired.transmitted) == ["ITEM@123456789-4.zip", "ITEM@123456789-5.zip"]
    assert client.get_object(Bucket=s3_bucket, Key=key)["Body"].read() == good
    assert store_status(engine, store, config, verify=True).clean
    # an empty archive and the bucket: the whole repository comes back, byte for byte
    (tmp_path / "fresh").mkdir()
    with target_archive(engine, tmp_path / "fresh", request) as fresh:
        (tmp_path / "assets2").mkdir()
        again = DSpaceAipPackager(AssetStore({0: tmp_path / "assets2"}), eperson=ADMIN,
                                  export_options={"validate": "false"})
        result = restore_site(fresh, store, config, again)
        assert set(result.restored) >= set(small.items)
        resync = sync(fresh, store, config, again)
        assert resync.ok and resync.transmitted == [] and resync.unchanged == 9
