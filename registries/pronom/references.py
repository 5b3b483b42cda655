"""The three anchors of a DROID byte sequence (``ByteSequence/@Reference``, normalised).

A module of its own so that the compiled engine, loaded from the cache, needs nothing else of
the parsed model at start-up.
"""

BOF, EOF, VARIABLE = "BOF", "EOF", "VAR"
