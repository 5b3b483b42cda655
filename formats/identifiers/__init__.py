"""One module per identification method; :mod:`formats.stack` wires them in configured order.

Every identifier follows :class:`formats.model.Identifier`: a ``name`` (the configured name, which
becomes ``Match.source``) and ``identify(sample, previous) -> Match | None``. They are stateless
after construction and picklable, so a stack built once can be shared by worker processes.
"""
