"""Image and audio demo files, encoded by hand (PNG with zlib, baseline JPEG with Huffman
tables, GIF with LZW, TIFF, BMP, PCM WAV) so that identification tools see genuine structures,
not just magic numbers.
"""

from __future__ import annotations

import math
import random
import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png(rng: random.Random, title: str) -> bytes:
    width, height = rng.randint(8, 32), rng.randint(8, 32)
    base = [rng.randrange(256) for _ in range(3)]
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type None
        for x in range(width):
            raw += bytes(((base[0] + 8 * x) & 255, (base[1] + 8 * y) & 255, base[2]))
    text = b"Title\x00" + title.encode("latin-1", "replace")
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _png_chunk(b"tEXt", text)
            + _png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + _png_chunk(b"IEND", b""))


# Standard luminance DC Huffman table (JPEG spec K.3) and a one-symbol AC table (EOB only).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALS = tuple(range(12))
_AC_BITS = (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
_AC_VALS = (0x00,)


def _huffman_codes(bits: tuple[int, ...], vals: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    codes: dict[int, tuple[int, int]] = {}
    code, k = 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


def jpeg(rng: random.Random, title: str) -> bytes:
    """A baseline greyscale JFIF: a row of flat 8x8 blocks (DC only), Huffman-coded by hand."""
    blocks = rng.randint(2, 8)
    width, height = 8 * blocks, 8
    levels = [rng.randint(16, 240) for _ in range(blocks)]
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALS)
    eob_code = _huffman_codes(_AC_BITS, _AC_VALS)[0]
    bits: list[tuple[int, int]] = []
    previous = 0
    for level in levels:
        dc = 8 * (level - 128)  # DCT of a flat block, quantised by 1
        diff, previous = dc - previous, dc
        size = abs(diff).bit_length()
        bits.append(dc_codes[size])
        if size:
            value = diff if diff > 0 else diff + (1 << size) - 1
            bits.append((value, size))
        bits.append(eob_code)
    acc, nbits, data = 0, 0, bytearray()
    for value, length in bits:
        acc = (acc << length) | value
        nbits += length
        while nbits >= 8:
            nbits -= 8
            byte = (acc >> nbits) & 0xFF
            data.append(byte)
            if byte == 0xFF:
                data.append(0x00)  # byte stuffing
    if nbits:
        byte = ((acc << (8 - nbits)) | ((1 << (8 - nbits)) - 1)) & 0xFF
        data.append(byte)
        if byte == 0xFF:
            data.append(0x00)

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    comment = title.encode("latin-1", "replace")[:200]
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00")
            + segment(0xFE, comment)
            + segment(0xDB, b"\x00" + bytes([1] * 64))
            + segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
            + segment(0xC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALS))
            + segment(0xC4, b"\x10" + bytes(_AC_BITS) + bytes(_AC_VALS))
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + bytes(data) + b"\xff\xd9")


def gif(rng: random.Random, title: str) -> bytes:
    """GIF89a, 4 colours, LZW with a clear code every two pixels so codes stay 3 bits wide."""
    width, height = rng.randint(4, 24), rng.randint(4, 24)
    palette = bytes(rng.randrange(256) for _ in range(12))
    pixels = [(x // 3 + y // 3) % 4 for y in range(height) for x in range(width)]
    clear, end = 4, 5
    codes: list[int] = []
    for i in range(0, len(pixels), 2):
        codes.append(clear)
        codes.extend(pixels[i:i + 2])
    codes.append(end)
    acc, nbits, packed = 0, 0, bytearray()
    for code in codes:
        acc |= code << nbits
        nbits += 3
        while nbits >= 8:
            packed.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        packed.append(acc & 0xFF)
    blocks = b"".join(bytes([len(packed[i:i + 255])]) + packed[i:i + 255]
                      for i in range(0, len(packed), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x81, 0, 0) + palette
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
            + b"\x02" + blocks + b"\x00" + b"\x3b")


def tiff(rng: random.Random, title: str) -> bytes:
    """Little-endian baseline TIFF, 8-bit greyscale, one uncompressed strip."""
    width, height = rng.randint(4, 32), rng.randint(4, 32)
    pixels = bytes((x * 7 + y * 3 + rng.randrange(4)) & 255
                   for y in range(height) for x in range(width))
    entries = 10
    ifd_offset = 8
    ifd_size = 2 + entries * 12 + 4
    resolution_offset = ifd_offset + ifd_size
    pixel_offset = resolution_offset + 16
    tags = [
        (256, 3, 1, width), (257, 3, 1, height), (258, 3, 1, 8), (259, 3, 1, 1),
        (262, 3, 1, 1), (273, 4, 1, pixel_offset), (278, 3, 1, height),
        (279, 4, 1, len(pixels)), (282, 5, 1, resolution_offset),
        (283, 5, 1, resolution_offset + 8),
    ]
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset))
    out += struct.pack("<H", entries)
    for tag, kind, count, value in tags:
        packed_value = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, count) + packed_value
    out += struct.pack("<I", 0)
    out += struct.pack("<IIII", 72, 1, 72, 1)
    return bytes(out) + pixels


def bmp(rng: random.Random, title: str) -> bytes:
    """Windows BMP, BITMAPINFOHEADER, 24 bits per pixel, rows padded to 4 bytes."""
    width, height = rng.randint(4, 24), rng.randint(4, 24)
    row_size = (width * 3 + 3) & ~3
    colour = [rng.randrange(256) for _ in range(3)]
    rows = bytearray()
    for y in range(height):
        row = bytearray()
        for x in range(width):
            row += bytes(((colour[0] + x * 9) & 255, (colour[1] + y * 9) & 255, colour[2]))
        rows += row + b"\x00" * (row_size - len(row))
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(rows), 2835, 2835,
                         0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(rows), 0, 0, 54) + header + bytes(rows)


# -- audio ----------------------------------------------------------------------------------------

def wav(rng: random.Random, title: str) -> bytes:
    """RIFF WAVE, PCM 16-bit mono 8 kHz, a short sine tone."""
    rate, count = 8000, rng.randint(200, 800)
    frequency = rng.choice((220.0, 330.0, 440.0, 660.0))
    samples = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
                       for i in range(count))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt \
        + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


# -- programs -------------------------------------------------------------------------------------

def pe_executable(rng: random.Random, title: str) -> bytes:
    """A minimal 32-bit Windows PE program (MZ header, PE header, one .text section that
    returns at once): what PRONOM calls Windows Portable Executable. The demo plants one with
    the 1.5 format "Adobe PDF" a depositor picked by hand, the instructions' own anomaly."""
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<HI", dos, 2, 0x90, 0)
    struct.pack_into("<I", dos, 0x3C, 0x80)  # e_lfanew: where the PE header starts
    stub = b"This program cannot be run in DOS mode.\r\r\n$"
    dos[0x40:0x40 + len(stub)] = stub
    stamp = 0x48000000 + rng.randrange(0x1000000)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x14C, 1, stamp, 0, 0, 0xE0, 0x0102)
    optional = bytearray(0xE0)
    struct.pack_into("<HB", optional, 0, 0x10B, 8)  # PE32, linker 8
    struct.pack_into("<I", optional, 16, 0x1000)  # entry point
    struct.pack_into("<III", optional, 28, 0x400000, 0x1000, 0x200)  # base, alignments
    struct.pack_into("<H", optional, 40, 4)  # OS version
    struct.pack_into("<II", optional, 56, 0x2000, 0x200)  # image and header sizes
    struct.pack_into("<H", optional, 68, 2)  # GUI subsystem
    struct.pack_into("<I", optional, 92, 16)  # data directories
    section = struct.pack("<8sIIIIIIHHI", b".text", 0x10, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                          0x60000020)
    head = bytes(dos) + coff + bytes(optional) + section
    return head + b"\0" * (0x200 - len(head)) + b"\xc3" + b"\0" * 0x1FF
