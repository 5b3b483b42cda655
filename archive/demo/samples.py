"""Byte generators for the demo archive: small but real, valid files in 25+ formats.

Each generator takes a :class:`random.Random` and a short title and returns the bytes of one
file; the same generator state always gives the same bytes (no clocks, no host names), so a demo
archive is reproducible for a seed. Images are encoded by hand (PNG with zlib, baseline JPEG with
Huffman tables, GIF with LZW, TIFF, BMP) so that identification tools see genuine structures,
not just magic numbers.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import random
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

Generator = Callable[[random.Random, str], bytes]

_WORDS = (
    "archive", "preservation", "format", "migration", "repository", "digital", "object",
    "bitstream", "registry", "metadata", "signature", "identification", "provenance", "fixity",
    "checksum", "collection", "community", "item", "bundle", "thumbnail", "license", "handle",
    "research", "dataset", "thesis", "article", "survey", "measurement", "analysis", "method",
    "result", "discussion", "conclusion", "water", "soil", "climate", "river", "sediment",
    "protein", "language", "history", "network", "algorithm",
)
_ZIP_DATE = (2008, 6, 1, 12, 0, 0)


def sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(sentence(rng, rng.randint(6, 14)) for _ in range(sentences))


# -- documents ------------------------------------------------------------------------------------

def pdf(rng: random.Random, title: str) -> bytes:
    """A one-page PDF 1.4 with a text content stream and a correct cross-reference table."""
    text = sentence(rng).replace("\\", "").replace("(", "").replace(")", "")
    safe_title = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe_title}) Tj 0 -20 Td ({text}) Tj ET".encode("latin-1",
                                                                                          "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (" + safe_title.encode("latin-1", "replace") + b") /Producer (bsf demo) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def postscript(rng: random.Random, title: str) -> bytes:
    body = sentence(rng).replace("(", "").replace(")", "")
    return (f"%!PS-Adobe-3.0\n%%Title: {title}\n%%Creator: bsf demo\n%%Pages: 1\n%%EndComments\n"
            f"/Helvetica findfont 12 scalefont setfont\n72 720 moveto ({body}) show\nshowpage\n"
            "%%EOF\n").encode("latin-1", "replace")


def eps(rng: random.Random, title: str) -> bytes:
    size = rng.randint(40, 200)
    return (f"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 {size} {size}\n%%Title: {title}\n"
            f"%%EndComments\nnewpath 0 0 moveto {size} {size} lineto stroke\n%%EOF\n"
            ).encode("latin-1", "replace")


def rtf(rng: random.Random, title: str) -> bytes:
    body = paragraph(rng, 2)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}\n"
            f"\\f0\\fs24 {{\\b {title}}}\\par\n{body}\\par\n}}\n").encode("latin-1", "replace")


def html(rng: random.Random, title: str) -> bytes:
    return ("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n<html>\n<head>\n"
            f"<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n"
            f"<p>{paragraph(rng)}</p>\n</body>\n</html>\n").encode("ascii")


def xhtml(rng: random.Random, title: str) -> bytes:
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
            "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n"
            "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\">\n"
            f"<head><title>{title}</title></head>\n<body><p>{paragraph(rng)}</p></body>\n"
            "</html>\n").encode()


def css(rng: random.Random, title: str) -> bytes:
    colour = rng.randrange(0x1000000)
    return (f"/* {title} */\nbody {{ font-family: Georgia, serif; color: #{colour:06x}; }}\n"
            f"h1 {{ font-size: {rng.randint(14, 32)}px; margin: 0 0 1em 0; }}\n"
            ".abstract { font-style: italic; }\n").encode("ascii")


def xml(rng: random.Random, title: str) -> bytes:
    rows = "".join(f"  <measurement id=\"m{i}\" value=\"{rng.uniform(0, 100):.3f}\"/>\n"
                   for i in range(rng.randint(3, 8)))
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dataset title=\"{title}\">\n"
            f"{rows}</dataset>\n").encode()


def text_ascii(rng: random.Random, title: str) -> bytes:
    return f"{title}\n\n{paragraph(rng, 5)}\n".encode("ascii")


def text_utf8(rng: random.Random, title: str) -> bytes:
    return (f"{title}\n\nRésumé — Zusammenfassung: {paragraph(rng, 3)}\n"
            "Größe: 12 µm; ½ of the naïve café samples.\n").encode()


def text_latin1(rng: random.Random, title: str) -> bytes:
    return (f"{title}\n\nRésumé: {paragraph(rng, 3)}\nÅngström, façade, Müller.\n"
            ).encode("latin-1")


def text_utf16(rng: random.Random, title: str) -> bytes:
    return (f"{title}\r\n\r\n{paragraph(rng, 3)}\r\n").encode("utf-16")  # with BOM


def csv_data(rng: random.Random, title: str) -> bytes:
    lines = ["site,date,temperature,ph"]
    for i in range(rng.randint(5, 15)):
        lines.append(f"S{i:02d},2008-0{rng.randint(1, 9)}-1{rng.randint(0, 9)},"
                     f"{rng.uniform(2, 25):.1f},{rng.uniform(5, 9):.2f}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def json_data(rng: random.Random, title: str) -> bytes:
    doc = {"title": title, "values": [round(rng.uniform(0, 1), 4) for _ in range(6)],
           "complete": rng.random() > 0.5}
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def markdown(rng: random.Random, title: str) -> bytes:
    return (f"# {title}\n\n{paragraph(rng, 2)}\n\n## Files\n\n- data.csv\n- *notes* and "
            f"**results**\n\n[DSpace](http://www.dspace.org/)\n").encode()


def license_text(rng: random.Random, title: str) -> bytes:
    """A deposit licence as DSpace stores it in the LICENSE bundle (plain UTF-8 text)."""
    return ("NON-EXCLUSIVE DISTRIBUTION LICENSE\n\n"
            "By signing and submitting this license, you (the author(s) or copyright owner) "
            "grant to the repository the non-exclusive right to reproduce, translate (as "
            "defined below), and/or distribute your submission (including the abstract) "
            "worldwide in print and electronic format and in any medium.\n\n"
            "You agree that the repository may, without changing the content, translate the "
            "submission to any medium or format for the purpose of preservation.\n\n"
            f"Submission: {title}\n").encode()


# -- images ---------------------------------------------------------------------------------------

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


# -- packages -------------------------------------------------------------------------------------

def _zip(members: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, (name, data) in enumerate(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = (zipfile.ZIP_STORED if stored_first and index == 0
                                  else zipfile.ZIP_DEFLATED)
            archive.writestr(info, data)
    return out.getvalue()


_OOXML_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
               'relationships">{}</Relationships>')
_REL = '<Relationship Id="{}" Type="{}" Target="{}"/>'
_OFFICE_DOC = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "officeDocument")
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types(overrides: dict[str, str]) -> bytes:
    parts = "".join(f'<Override PartName="{name}" ContentType="{kind}"/>'
                    for name, kind in overrides.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'{parts}</Types>').encode()


def docx(rng: random.Random, title: str) -> bytes:
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
                   for text in (title, paragraph(rng, 2)))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                f'main"><w:body>{body}</w:body></w:document>')
    return _zip([
        ("[Content_Types].xml", _content_types({"/word/document.xml": main})),
        ("_rels/.rels", _OOXML_RELS.format(_REL.format("rId1", _OFFICE_DOC,
                                                       "word/document.xml")).encode()),
        ("word/document.xml", document.encode("utf-8")),
    ])


def xlsx(rng: random.Random, title: str) -> bytes:
    sml = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    workbook_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{rng.randint(0, 999)}</v></c>'
                   f'<c r="B{r}"><v>{rng.uniform(0, 1):.4f}</v></c></row>'
                   for r in range(1, rng.randint(3, 9)))
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook '
                f'xmlns="{sml}" xmlns:r="{_R_NS}"><sheets><sheet name="Data" sheetId="1" '
                'r:id="rId1"/></sheets></workbook>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
             f'xmlns="{sml}"><sheetData>{rows}</sheetData></worksheet>')
    return _zip([
        ("[Content_Types].xml", _content_types({"/xl/workbook.xml": workbook_type,
                                                "/xl/worksheets/sheet1.xml": sheet_type})),
        ("_rels/.rels", _OOXML_RELS.format(_REL.format("rId1", _OFFICE_DOC,
                                                       "xl/workbook.xml")).encode()),
        ("xl/_rels/workbook.xml.rels", _OOXML_RELS.format(_REL.format(
            "rId1", f"{_R_NS}/worksheet", "worksheets/sheet1.xml")).encode()),
        ("xl/workbook.xml", workbook.encode("utf-8")),
        ("xl/worksheets/sheet1.xml", sheet.encode("utf-8")),
    ])


def pptx(rng: random.Random, title: str) -> bytes:
    pml = "http://schemas.openxmlformats.org/presentationml/2006/main"
    dml = "http://schemas.openxmlformats.org/drawingml/2006/main"
    pres_type = ("application/vnd.openxmlformats-officedocument.presentationml."
                 "presentation.main+xml")
    slide_type = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml"
    presentation = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<p:presentation xmlns:p="{pml}" xmlns:r="{_R_NS}"><p:sldIdLst>'
                    '<p:sldId id="256" r:id="rId1"/></p:sldIdLst>'
                    '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
                    '</p:presentation>')
    slide = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<p:sld xmlns:p="{pml}" xmlns:a="{dml}"><p:cSld><p:spTree><p:sp><p:txBody>'
             f'<a:bodyPr/><a:p><a:r><a:t>{title}</a:t></a:r></a:p><a:p><a:r><a:t>'
             f'{sentence(rng)}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
    return _zip([
        ("[Content_Types].xml", _content_types({"/ppt/presentation.xml": pres_type,
                                                "/ppt/slides/slide1.xml": slide_type})),
        ("_rels/.rels", _OOXML_RELS.format(_REL.format("rId1", _OFFICE_DOC,
                                                       "ppt/presentation.xml")).encode()),
        ("ppt/_rels/presentation.xml.rels", _OOXML_RELS.format(_REL.format(
            "rId1", f"{_R_NS}/slide", "slides/slide1.xml")).encode()),
        ("ppt/presentation.xml", presentation.encode("utf-8")),
        ("ppt/slides/slide1.xml", slide.encode("utf-8")),
    ])


def _odf(mimetype: str, body: str) -> bytes:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
               f'xmlns:office="{office}" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               f'office:version="1.2"><office:body>{body}</office:body>'
               '</office:document-content>')
    return _zip([("mimetype", mimetype.encode("ascii")),
                 ("META-INF/manifest.xml", manifest.encode("utf-8")),
                 ("content.xml", content.encode("utf-8"))], stored_first=True)


def odt(rng: random.Random, title: str) -> bytes:
    return _odf("application/vnd.oasis.opendocument.text",
                f"<office:text><text:h>{title}</text:h><text:p>{paragraph(rng, 2)}</text:p>"
                "</office:text>")


def ods(rng: random.Random, title: str) -> bytes:
    cells = "".join(f'<table:table-cell office:value-type="float" office:value="{v}"/>'
                    for v in (rng.randint(0, 99) for _ in range(4)))
    return _odf("application/vnd.oasis.opendocument.spreadsheet",
                f'<office:spreadsheet><table:table table:name="Data"><table:table-row>{cells}'
                "</table:table-row></table:table></office:spreadsheet>")


def zip_archive(rng: random.Random, title: str) -> bytes:
    return _zip([("README.txt", f"{title}\n".encode()),
                 ("data/values.csv", csv_data(rng, title))])


def tar_archive(rng: random.Random, title: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in (("dataset/README.txt", f"{title}\n".encode()),
                           ("dataset/values.csv", csv_data(rng, title))):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1212300000, 0o644
            info.uname = info.gname = "dspace"
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gzip_data(rng: random.Random, title: str) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="values.csv", mode="wb", fileobj=out, mtime=1212300000) as handle:
        handle.write(csv_data(rng, title))
    return out.getvalue()


@dataclass(frozen=True)
class SampleKind:
    """One kind of demo file: how to make its bytes and how a depositor would name it."""

    key: str
    extension: str  # the extension a careful depositor uses ("" = none)
    generate: Generator
    mimetype: str


KINDS: dict[str, SampleKind] = {k.key: k for k in (
    SampleKind("pdf", "pdf", pdf, "application/pdf"),
    SampleKind("png", "png", png, "image/png"),
    SampleKind("jpeg", "jpg", jpeg, "image/jpeg"),
    SampleKind("gif", "gif", gif, "image/gif"),
    SampleKind("tiff", "tif", tiff, "image/tiff"),
    SampleKind("bmp", "bmp", bmp, "image/bmp"),
    SampleKind("html", "html", html, "text/html"),
    SampleKind("xhtml", "xhtml", xhtml, "application/xhtml+xml"),
    SampleKind("css", "css", css, "text/css"),
    SampleKind("xml", "xml", xml, "text/xml"),
    SampleKind("text-ascii", "txt", text_ascii, "text/plain"),
    SampleKind("text-utf8", "txt", text_utf8, "text/plain"),
    SampleKind("text-latin1", "txt", text_latin1, "text/plain"),
    SampleKind("text-utf16", "txt", text_utf16, "text/plain"),
    SampleKind("csv", "csv", csv_data, "text/csv"),
    SampleKind("json", "json", json_data, "application/json"),
    SampleKind("markdown", "md", markdown, "text/markdown"),
    SampleKind("rtf", "rtf", rtf, "application/rtf"),
    SampleKind("postscript", "ps", postscript, "application/postscript"),
    SampleKind("eps", "eps", eps, "application/postscript"),
    SampleKind("docx", "docx", docx,
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    SampleKind("xlsx", "xlsx", xlsx,
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    SampleKind("pptx", "pptx", pptx,
               "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    SampleKind("odt", "odt", odt, "application/vnd.oasis.opendocument.text"),
    SampleKind("ods", "ods", ods, "application/vnd.oasis.opendocument.spreadsheet"),
    SampleKind("zip", "zip", zip_archive, "application/zip"),
    SampleKind("tar", "tar", tar_archive, "application/x-tar"),
    SampleKind("gzip", "gz", gzip_data, "application/gzip"),
    SampleKind("wav", "wav", wav, "audio/x-wav"),
    SampleKind("license", "txt", license_text, "text/plain"),
)}
