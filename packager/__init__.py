"""AIP packaging: DSpace-style METS + PREMIS zips per object, export and every ingest mode.

Layout (one concept per module): :mod:`packager.model` (the in-memory object an AIP describes),
:mod:`packager.reading` (archive -> model), :mod:`packager.mets_write` / :mod:`packager.mets_read`
(model <-> METS), :mod:`packager.premis`, :mod:`packager.roles`, :mod:`packager.crosswalks`
(DIM, MODS, AIP-TECHMD, METSRights), :mod:`packager.zipout` (deterministic zips),
:mod:`packager.safezip` (hostile zips), :mod:`packager.validate`, :mod:`packager.export`,
:mod:`packager.ingest` / :mod:`packager.writing` (model -> archive), :mod:`packager.sequences`.
"""
