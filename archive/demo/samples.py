"""The kinds of file the demo archive holds: 32 small but real, valid formats.

A :class:`SampleKind` pairs a byte generator (in :mod:`archive.demo.text_samples`,
:mod:`archive.demo.media_samples` or :mod:`archive.demo.container_samples`) with the extension
a careful depositor would use and the MIME type; the same generator state always gives the same
bytes (no clocks, no host names), so a demo archive is reproducible for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from archive.demo.container_samples import (
    docx,
    gzip_data,
    ods,
    odt,
    pptx,
    tar_archive,
    xlsx,
    zip_archive,
)
from archive.demo.media_samples import bmp, gif, jpeg, pe_executable, png, tiff, wav
from archive.demo.text_samples import (
    css,
    csv_data,
    dos_page,
    eps,
    html,
    json_data,
    license_text,
    markdown,
    pdf,
    postscript,
    rtf,
    sentence,
    text_ascii,
    text_latin1,
    text_utf8,
    text_utf16,
    xhtml,
    xml,
)

Generator = Callable[[random.Random, str], bytes]

__all__ = ["KINDS", "Generator", "SampleKind", "sentence"]


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
    SampleKind("dos-htm", "htm", dos_page, "text/html"),
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
    SampleKind("exe", "exe", pe_executable, "application/vnd.microsoft.portable-executable"),
    SampleKind("license", "txt", license_text, "text/plain"),
)}
