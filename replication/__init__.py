"""Replication of AIPs to an object store, the way DSpace's Replication Task Suite does it.

:mod:`.store` (the store interface and the folder store), :mod:`.queue` (work queue, replica
registry, events), :mod:`.fingerprint` and :mod:`.plan` (what changed), :mod:`.sync` (the
workers), :mod:`.deletion` (deletion records as BagIt bags), :mod:`.restore` (restore and
remove), :mod:`.status`, :mod:`.aip` (the AIP packager behind a small interface). See
docs/replication.md.
"""
