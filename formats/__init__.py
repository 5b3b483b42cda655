"""Identification: given a bitstream's bytes and original name, which format, how sure, and why."""
