"""Fetching PRONOM files for ``bsf signatures update`` (see :mod:`registries.pronom.update`).

Sources are URLs (``http``/``https`` only, redirects included) or local files; each is
recognised by its content, never by its name: a DROID signature file (``FFSignatureFile``), a
container signature file (``ContainerSignatureMapping``), or PRONOM's release notes
(``release_notes``), whose newest ``signature_filename`` is then fetched from the documents
location. With no source the configured URLs are used, by default The National Archives'
published locations (the release notes, the CDN folder of signature files, and the container
file DROID itself updates from). Every download is size-capped, and parsed with DTDs and
entities refused before it is recognised.
"""

from __future__ import annotations

import email.utils
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO

from bsfcore import __version__
from bsfcore.errors import BsfError
from bsfcore.settings import Settings

DEFAULT_SIGNATURE_URL = "https://www.nationalarchives.gov.uk/aboutapps/pronom/release-notes.xml"
DEFAULT_DOCUMENTS_URL = "https://cdn.nationalarchives.gov.uk/documents/"
DEFAULT_CONTAINER_URL = "https://www.nationalarchives.gov.uk/pronom/container-signature.xml"
KEYS = {"signature": "formatIdentifier.DROID.updateSignatureURL",
        "documents": "formatIdentifier.DROID.updateDocumentsURL",
        "container": "formatIdentifier.DROID.updateContainerURL"}
MAX_DOWNLOAD = 64 << 20
TIMEOUT = 60.0
_RELEASE_NAME = re.compile(r"^DROID_SignatureFile_V(\d{1,6})\.xml$")


class SignatureUpdateError(BsfError):
    """A download failed or what was offered is not a signature file; nothing was changed."""


@dataclass(frozen=True)
class Fetched:
    data: bytes
    origin: str                 # the URL or path it came from
    last_modified: str | None   # HTTP Last-Modified, as YYYYMMDD


class _HttpOnly(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s): a download must not turn into a file: or ftp: read."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise SignatureUpdateError(f"{req.full_url}: refusing a redirect to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _is_url(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


def fetch(source: str, timeout: float = TIMEOUT) -> Fetched:
    """The bytes of ``source`` (an http(s) URL or a local file), at most MAX_DOWNLOAD."""
    if not _is_url(source):
        if "://" in source:
            raise SignatureUpdateError(f"{source}: only http and https URLs or local files")
        path = Path(source).expanduser()
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_DOWNLOAD + 1)
        except OSError as exc:
            raise SignatureUpdateError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if len(data) > MAX_DOWNLOAD:
            raise SignatureUpdateError(f"{path}: larger than {MAX_DOWNLOAD >> 20} MiB")
        return Fetched(data, str(path), None)
    opener = urllib.request.build_opener(_HttpOnly)
    request = urllib.request.Request(source, headers={"User-Agent": f"bsf/{__version__}"})
    try:
        with opener.open(request, timeout=timeout) as response:
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > MAX_DOWNLOAD:
                    raise SignatureUpdateError(f"{source}: larger than {MAX_DOWNLOAD >> 20} MiB")
                chunks.append(chunk)
            modified = response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        raise SignatureUpdateError(f"cannot download {source}: HTTP {exc.code} {exc.reason}") \
            from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SignatureUpdateError(f"cannot download {source}: {reason}") from None
    return Fetched(b"".join(chunks), source, _http_date(modified))


def _http_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).strftime("%Y%m%d")
    except (TypeError, ValueError):
        return None


def _root(fetched: Fetched) -> tuple[str, object]:
    from registries.pronom.parse import parse_xml_bytes

    try:
        root = parse_xml_bytes(fetched.data, fetched.origin)
    except BsfError as exc:   # malformed, or refused (a DTD, entities)
        raise SignatureUpdateError(f"{fetched.origin} is not a signature file: {exc}") from None
    tag = root.tag if isinstance(root.tag, str) else ""
    return tag.rsplit("}", 1)[-1], root


def _newest_release(root: object, origin: str, documents: str) -> str:
    """The URL of the DROID file the release notes name first (the newest release)."""
    for el in root.iter():  # type: ignore[attr-defined]
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.rsplit("}", 1)[-1] == "signature_filename":
            name = (el.text or "").strip()
            if not _RELEASE_NAME.match(name):
                raise SignatureUpdateError(f"{origin}: unexpected signature file name {name!r}")
            return urllib.parse.urljoin(documents, name)
    raise SignatureUpdateError(f"{origin}: release notes without a signature_filename")


@dataclass(frozen=True)
class Offer:
    """A fetched file recognised by its root element."""

    kind: str          # "DROID" or "container"
    fetched: Fetched


def classify(fetched: Fetched, documents: str, timeout: float = TIMEOUT) -> Offer:
    """What ``fetched`` is (release notes lead to the DROID file they name first)."""
    tag, root = _root(fetched)
    if tag == "release_notes":
        fetched = fetch(_newest_release(root, fetched.origin, documents), timeout)
        tag, root = _root(fetched)
        if tag != "FFSignatureFile":
            raise SignatureUpdateError(f"{fetched.origin} is not a DROID signature file "
                                       f"(root <{tag}>)")
    if tag == "FFSignatureFile":
        return Offer("DROID", fetched)
    if tag == "ContainerSignatureMapping":
        return Offer("container", fetched)
    raise SignatureUpdateError(f"{fetched.origin} is neither a DROID signature file nor a "
                               f"container signature file (root <{tag}>)")


def sources(settings: Settings, given: Sequence[str]) -> tuple[list[str], str]:
    """The sources to fetch (``given``, else the configured or default URLs) and the
    documents location that release notes are resolved against."""
    props = settings.properties
    documents = props.get(KEYS["documents"]) or DEFAULT_DOCUMENTS_URL
    if given:
        return list(given), documents
    return [props.get(KEYS["signature"]) or DEFAULT_SIGNATURE_URL,
            props.get(KEYS["container"]) or DEFAULT_CONTAINER_URL], documents
