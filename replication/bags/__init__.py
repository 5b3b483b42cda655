"""Restored BagIt bags rebuilt from the object store (APTrust / BTR profiles): :mod:`.source`
reads the stored package, :mod:`.restored` builds and validates the bag, :mod:`.premis_events`
writes ``premis-events.json``. See docs/replication.md."""
