"""An AIP as DSpace itself writes it (PREMIS 1.0, UUID file ids, license by mdRef) ingests."""

from __future__ import annotations

import hashlib
import zipfile

from sqlalchemy import select

from archive.schema import T16
from packager.ingest import ingest_aip
from packager.options import Mode
from tests.packager.builder import ADMIN

CONTENT = b"%PDF-1.4 from DSpace"
UUID = "0a1b2c3d-1111-2222-3333-444455556666"
METS = f"""<?xml version="1.0" encoding="utf-8"?>
<mets xmlns="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink"
      ID="DSpace_ITEM_DB-ID-9f8e7d6c-0000-0000-0000-000000000001" OBJID="hdl:10673/77"
      TYPE="DSpace ITEM" PROFILE="http://www.dspace.org/schema/aip/mets_aip_1_0.xsd">
  <metsHdr LASTMODDATE="2019-04-01T10:11:12.345Z">
    <agent ROLE="CUSTODIAN" TYPE="OTHER" OTHERTYPE="DSpace Archive"><name>10673/0</name></agent>
    <agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="DSpace Software"><name>DSpace 7.6</name></agent>
  </metsHdr>
  <dmdSec ID="dmdSec_1"><mdWrap MDTYPE="OTHER" OTHERMDTYPE="DIM"><xmlData>
    <dim:dim xmlns:dim="http://www.dspace.org/xmlns/dspace/dim" dspaceType="ITEM">
      <dim:field mdschema="dc" element="title" lang="en">From DSpace</dim:field>
    </dim:dim></xmlData></mdWrap></dmdSec>
  <amdSec ID="amd_2">
    <rightsMD ID="rightsMD_3"><mdRef LOCTYPE="URL" MDTYPE="OTHER"
      OTHERMDTYPE="DSpaceDepositLicense" xlink:href="bitstream_x.txt"/></rightsMD>
    <sourceMD ID="sourceMD_4"><mdWrap MDTYPE="OTHER" OTHERMDTYPE="AIP-TECHMD"><xmlData>
      <dim:dim xmlns:dim="http://www.dspace.org/xmlns/dspace/dim" dspaceType="ITEM">
        <dim:field mdschema="dc" element="creator">nobody@dspace.example</dim:field>
        <dim:field mdschema="dc" element="relation" qualifier="isPartOf">hdl:10673/2</dim:field>
      </dim:dim></xmlData></mdWrap></sourceMD>
  </amdSec>
  <amdSec ID="amd_5"/>
  <amdSec ID="amd_6">
    <techMD ID="techMD_7"><mdWrap MDTYPE="PREMIS"><xmlData>
      <premis:premis xmlns:premis="http://www.loc.gov/standards/premis"><premis:object>
        <premis:objectIdentifier><premis:objectIdentifierType>URL</premis:objectIdentifierType>
          <premis:objectIdentifierValue>x</premis:objectIdentifierValue></premis:objectIdentifier>
        <premis:objectCategory>File</premis:objectCategory>
        <premis:objectCharacteristics><premis:size>{len(CONTENT)}</premis:size>
          <premis:format><premis:formatDesignation><premis:formatName>application/pdf</premis:formatName>
          </premis:formatDesignation></premis:format></premis:objectCharacteristics>
        <premis:originalName>paper.pdf</premis:originalName></premis:object></premis:premis>
    </xmlData></mdWrap></techMD>
    <sourceMD ID="sourceMD_8"><mdWrap MDTYPE="OTHER" OTHERMDTYPE="AIP-TECHMD"><xmlData>
      <dim:dim xmlns:dim="http://www.dspace.org/xmlns/dspace/dim" dspaceType="BITSTREAM">
        <dim:field mdschema="dc" element="title">paper.pdf</dim:field>
        <dim:field mdschema="dc" element="format" qualifier="medium">Adobe PDF</dim:field>
        <dim:field mdschema="dc" element="format" qualifier="mimetype">application/pdf</dim:field>
        <dim:field mdschema="dc" element="format" qualifier="supportlevel">SUPPORTED</dim:field>
        <dim:field mdschema="dc" element="format" qualifier="internal">false</dim:field>
      </dim:dim></xmlData></mdWrap></sourceMD>
  </amdSec>
  <fileSec><fileGrp USE="ORIGINAL" ADMID="amd_5">
    <file ID="bitstream_{UUID}" SEQ="1" MIMETYPE="application/pdf" SIZE="{len(CONTENT)}"
          CHECKSUM="{hashlib.md5(CONTENT).hexdigest()}" CHECKSUMTYPE="MD5" ADMID="amd_6"
          GROUPID="GROUP_bitstream_{UUID}">
      <FLocat LOCTYPE="URL" xlink:type="simple" xlink:href="bitstream_{UUID}.pdf"/></file>
  </fileGrp></fileSec>
  <structMap ID="struct_9" LABEL="DSpace Object" TYPE="LOGICAL">
    <div ID="div_10" DMDID="dmdSec_1" ADMID="amd_2" TYPE="DSpace Object Contents">
      <div ID="div_11" TYPE="DSpace BITSTREAM"><fptr FILEID="bitstream_{UUID}"/></div></div>
  </structMap>
  <structMap ID="struct_12" LABEL="Parent" TYPE="LOGICAL">
    <div ID="div_13" TYPE="AIP Parent Link"><mptr LOCTYPE="HANDLE" xlink:type="simple"
      xlink:href="10673/2"/></div></structMap>
</mets>
"""


def test_dspace_item_aip_submits(lite_site) -> None:
    site = lite_site
    aip = site.tmp / "ITEM@10673-77.zip"
    with zipfile.ZipFile(aip, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mets.xml", METS)
        z.writestr(f"bitstream_{UUID}.pdf", CONTENT)
    result = ingest_aip(site.engine, site.store, aip, mode=Mode.SUBMIT, eperson=ADMIN,
                        parent=site.built.handles["colA"], skip_workflow=True)
    assert len(result.created) == 1
    t = T16
    with site.engine.connect() as conn:
        row = conn.execute(
            select(t.bitstream.c.name, t.bitstream.c.checksum,
                   t.bitstreamformatregistry.c.short_description,
                   t.bitstreamformatregistry.c.mimetype)
            .join(t.bitstreamformatregistry, t.bitstreamformatregistry.c.bitstream_format_id
                  == t.bitstream.c.bitstream_format_id)
            .where(t.bitstream.c.name == "paper.pdf")).one()
    assert tuple(row) == ("paper.pdf", hashlib.md5(CONTENT).hexdigest(), "Adobe PDF",
                          "application/pdf")
