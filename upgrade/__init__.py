"""Upgrade15To16: the seed's phased conversion of a DSpace 1.5 archive to the renovated format
model, as ordered, recorded, resumable steps (cleanup check, phases 0-3, provisional registry,
report, undo). See ``docs/upgrade.md``."""
