"""The seeds' option defaults per mode and their validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bsfcore.errors import ConfigError
from packager.options import Mode, parse_options


def test_defaults_per_mode() -> None:
    export = parse_options(None, Mode.EXPORT)
    assert export.validate and export.include_bundles is None and export.unauthorized is None
    submit = parse_options([], Mode.SUBMIT)
    assert submit.ignore_handle and submit.ignore_parent and not submit.validate
    assert submit.create_metadata_fields
    for mode in (Mode.RESTORE, Mode.KEEP_EXISTING, Mode.REPLACE):
        opts = parse_options([], mode)
        assert not opts.ignore_handle and not opts.ignore_parent and not opts.validate
        assert not opts.skip_if_parent_missing


def test_values() -> None:
    opts = parse_options(["filterBundles=+ORIGINAL, LICENSE", "updatedAfter=2010-01-02",
                          "unauthorized=zero", "passwords=true"], Mode.EXPORT)
    assert opts.include_bundles == ("ORIGINAL", "LICENSE")
    assert opts.bundle_included("ORIGINAL") and not opts.bundle_included("TEXT")
    assert opts.updated_after == datetime(2010, 1, 2, tzinfo=UTC)
    assert opts.unauthorized == "zero" and opts.passwords
    opts = parse_options({"filterBundles": "TEXT,THUMBNAIL"}, Mode.EXPORT)
    assert not opts.bundle_included("TEXT") and opts.bundle_included("ORIGINAL")
    opts = parse_options(["ignoreHandle=false", "skipIfParentMissing=yes"], Mode.SUBMIT)
    assert not opts.ignore_handle and opts.skip_if_parent_missing


@pytest.mark.parametrize("pairs, mode, message", [
    (["nonsense=1"], Mode.EXPORT, "unknown packager option"),
    (["ignoreHandle=true"], Mode.EXPORT, "ingest-only"),
    (["passwords=true"], Mode.RESTORE, "export-only"),
    (["validate=perhaps"], Mode.RESTORE, "expected true or false"),
    (["unauthorized=maybe"], Mode.EXPORT, "use skip or zero"),
    (["updatedAfter=yesterday"], Mode.EXPORT, "not an ISO-8601 date"),
    (["filterBundles=TEXT", "includeBundles=ORIGINAL"], Mode.EXPORT, "cannot be used together"),
    (["novalue"], Mode.EXPORT, "expected key=value"),
])
def test_bad_options(pairs, mode, message) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_options(pairs, mode)
