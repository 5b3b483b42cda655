"""Format registries: the names of formats, as a set keyed by namespace.

A registry knows what formats exist (DSpace, Provisional, PRONOM); it does not identify files —
that is ``formats/``'s job, because some identification methods belong to no registry.

Modules: ``model`` (FormatKey, Format, Registry, RegistrySet), ``config`` (the operator's
``formatRegistry.*`` / ``plugin.*`` / ``formatIdentifier.*`` keys -> FormatConfig), ``loader``
(FormatConfig -> RegistrySet), ``dsr`` (DSpace/Provisional XML documents), ``pronom`` (DROID
signature files), ``xmlsafe`` (hostile-safe XML for every package), ``listing`` (the
``bsf registry`` commands' library side).
"""
