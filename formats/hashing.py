"""Checksums for ``bsf identify --hash``: the five algorithms siegfried offers, spelled as sf does.

siegfried's ``-hash`` accepts ``md5``, ``sha1``, ``sha256``, ``sha512`` and ``crc`` (CRC-32, IEEE
polynomial) and writes the digest as lower-case hex; for ``crc`` that is the 4-byte big-endian
sum, so always 8 hex digits (``zlib.crc32`` formatted ``08x``). The output column/key is named by
the algorithm (``md5``, ``crc``), and DROID's header becomes ``MD5_HASH`` and so on.

Hashing reads in blocks of :data:`BLOCK` bytes, so memory stays flat on a multi-GB file.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from typing import Protocol

#: the names ``--hash`` accepts, in siegfried's order
HASH_CHOICES = ("md5", "sha1", "sha256", "sha512", "crc")
BLOCK = 1 << 20


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


class Crc32:
    """CRC-32 with hashlib's interface (siegfried's ``crc``: IEEE, hex of the big-endian sum)."""

    name = "crc"

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = zlib.crc32(data, self._value)

    def hexdigest(self) -> str:
        return f"{self._value & 0xFFFFFFFF:08x}"


def check_algorithm(name: str) -> str:
    """The canonical (lower-case) name, or ValueError naming the choices (as sf accepts MD5 too)."""
    canonical = name.strip().lower()
    if canonical not in HASH_CHOICES:
        raise ValueError(f"unknown hash {name!r}; choose from {', '.join(HASH_CHOICES)}")
    return canonical


def new_hasher(name: str) -> Hasher:
    algorithm = check_algorithm(name)
    if algorithm == "crc":
        return Crc32()
    return hashlib.new(algorithm)


def hash_bytes(name: str, data: bytes) -> str:
    hasher = new_hasher(name)
    hasher.update(data)
    return hasher.hexdigest()


def hash_file(name: str, path: str) -> str:
    """Stream ``path`` through the hash in :data:`BLOCK`-sized reads (bounded memory)."""
    hasher = new_hasher(name)
    fd = os.open(path, os.O_RDONLY)
    try:
        while True:
            block = os.read(fd, BLOCK)
            if not block:
                break
            hasher.update(block)
    finally:
        os.close(fd)
    return hasher.hexdigest()
