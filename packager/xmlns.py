"""Namespaces and small lxml helpers shared by the METS writer and reader."""

from __future__ import annotations

from lxml import etree

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MODS = "http://www.loc.gov/mods/v3"
DIM = "http://www.dspace.org/xmlns/dspace/dim"
PREMIS = "info:lc/xmlns/premis-v2"
RIGHTS = "http://cosimo.stanford.edu/sdr/metsrights/"

PROFILE = "http://www.dspace.org/schema/aip/mets_aip_1_0.xsd"

NSMAP = {"mets": METS, "xlink": XLINK, "xsi": XSI}


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def sub(parent: etree._Element, ns: str | None, tag: str, text: str | None = None,
        **attrs: str | None) -> etree._Element:
    """Append a child; attributes whose value is None are left out."""
    el = etree.SubElement(parent, q(ns, tag) if ns else tag)
    for key, value in attrs.items():
        if value is not None:
            el.set(key, value)
    if text is not None:
        el.text = text
    return el


def text_of(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text
