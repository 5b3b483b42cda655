"""AIP packaging: DSpace-style METS + PREMIS zips per object, export and every ingest mode.

One concept per module: :mod:`packager.model` (the in-memory object an AIP describes),
:mod:`packager.reading` + :mod:`packager.reading_people` (archive -> model),
:mod:`packager.mets_write` / :mod:`packager.mets_read` (model <-> METS), :mod:`packager.premis`,
:mod:`packager.roles` (DSPACE-ROLES, METSRights), :mod:`packager.crosswalks` (DIM, MODS,
AIP-TECHMD, metadata registry), :mod:`packager.zipout` (deterministic zips),
:mod:`packager.safezip` (hostile zips), :mod:`packager.validate` (offline schemas + reference
checks), :mod:`packager.export`, :mod:`packager.ingest` + :mod:`packager.writing` +
:mod:`packager.writing_people` (model -> archive), :mod:`packager.assets` (run-level asset
writes), :mod:`packager.workflow`, :mod:`packager.sequences`, :mod:`packager.options`,
:mod:`packager.naming`. ``replication`` and ``replication.bags`` build on these.
"""
