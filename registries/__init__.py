"""Format registries: the names of formats, as a set keyed by namespace.

A registry knows what formats exist (DSpace, Provisional, PRONOM); it does not identify files —
that is ``formats/``'s job, because some identification methods belong to no registry.
"""
