"""The official XML schemas AIP validation uses, shipped so validation never needs the network.

See ``NOTICE.txt`` beside this file for where each schema comes from and under which terms it is
redistributed; ``catalog.xml`` maps the network locations the schemas (and AIP manifests) name to
these files.
"""
