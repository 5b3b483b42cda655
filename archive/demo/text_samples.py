"""Text-based demo files: documents (PDF, PostScript, RTF), web files, plain text in several
encodings, CSV, JSON, Markdown and the deposit licence.

Each generator takes a :class:`random.Random` and a short title and returns the bytes of one
file; the same generator state always gives the same bytes, so a demo archive is reproducible.
"""

from __future__ import annotations

import io
import json
import random

_WORDS = (
    "archive", "preservation", "format", "migration", "repository", "digital", "object",
    "bitstream", "registry", "metadata", "signature", "identification", "provenance", "fixity",
    "checksum", "collection", "community", "item", "bundle", "thumbnail", "license", "handle",
    "research", "dataset", "thesis", "article", "survey", "measurement", "analysis", "method",
    "result", "discussion", "conclusion", "water", "soil", "climate", "river", "sediment",
    "protein", "language", "history", "network", "algorithm",
)


def sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(sentence(rng, rng.randint(6, 14)) for _ in range(sentences))


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


def dos_page(rng: random.Random, title: str) -> bytes:
    """An ``.htm`` page as 1990s DOS editors saved them: a fragment with no ``<html>`` element,
    upper-case tags, CRLF line ends and the Ctrl-Z end-of-file mark. No PRONOM signature matches
    it and the text heuristic refuses the control character, so the default data cannot name
    it: the conversion instructions' ``.htm`` recipe (a Provisional entry by extension, as a
    synonym of PRONOM:fmt/96) is what names it."""
    items = "".join(f"<LI>{sentence(rng, rng.randint(3, 7))}\r\n" for _ in range(rng.randint(2, 5)))
    return (f"<H1>{title}</H1>\r\n<P>{paragraph(rng, 2)}\r\n<UL>\r\n{items}</UL>\r\n"
            "\x1a").encode("ascii")


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
