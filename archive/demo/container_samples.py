"""Container demo files: OOXML (docx, xlsx, pptx) and ODF (odt, ods) documents, zip, tar and
gzip archives, all with fixed member dates so the bytes depend only on the generator state.
"""

from __future__ import annotations

import gzip
import io
import random
import tarfile
import zipfile

from archive.demo.text_samples import csv_data, paragraph, sentence

_ZIP_DATE = (2008, 6, 1, 12, 0, 0)


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
