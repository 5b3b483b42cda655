"""The BitstreamFormat Workbench: fix formats any time after the conversion, with history.

A tool of its own, used long after ``Upgrade15To16`` has finished: :mod:`.selection` (which
bitstreams: filters, id files, batches), :mod:`.show` (one bitstream and what each identifier
says now), :mod:`.actions` (re-identify and set, under the archive lock, recording history),
:mod:`.parallel` (identification in worker processes), :mod:`.output` (change and history rows
for writers), :mod:`.registry_admin` (Provisional entries and synonyms) and :mod:`.config_edit`
(list-valued keys of the operator's configuration). The history table itself belongs to the
archive model (:mod:`archive.history`). See docs/workbench.md.
"""
