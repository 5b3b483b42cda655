"""The PREMIS events file of a restored bag: ``premis-events.json``.

APTrust keeps an object's PREMIS events in its registry and its bag restorer writes none into
the bag (research/aip-bagit.md §3); the restoration seed asks for them *in* the bag, so we name
the file ``premis-events.json`` and put it beside ``bag-info.txt`` as a tag file (listed in every
tag manifest). Each event uses the field names of APTrust's registry (``premis_event.go``), so
tools that read those read ours:

``identifier`` (a UUID, stable for the same event), ``event_type``, ``date_time`` (RFC 3339),
``detail``, ``outcome``, ``outcome_detail``, ``outcome_information``, ``object``, ``agent``,
``intellectual_object_identifier`` (``hdl:<handle>``), ``generic_file_identifier``
(``data/<file>`` for events about one payload file, else null).

Where the events come from, oldest first:

* ``format identification`` events the AIP's PREMIS carries for each bitstream;
* ``format change`` events from the workbench's history table (``bsf_format_history``);
* ``ingestion`` / ``replication`` / ``deletion`` / ``restoration`` events the replication
  registry recorded (``bsf_replica_event``);
* the ``restoration`` event of the bag being built.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from archive.history import history_of

EVENTS_FILE = "premis-events.json"
_NAMESPACE = uuid.UUID("6f1c2a52-7f53-4d43-9a36-0b0d1a8a9e10")
_BITSTREAM = re.compile(r"^bitstream_(\d+)(?:\.|$)")


def rfc3339(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(handle: str, event_type: str, date_time: datetime | str | None, *,
               detail: str | None = None, outcome: str | None = None,
               outcome_detail: str | None = None, outcome_information: str | None = None,
               obj: str | None = None, agent: str | None = None,
               file: str | None = None) -> dict[str, Any]:
    when = rfc3339(date_time)
    key = "|".join(str(x) for x in (handle, event_type, when, file, detail, outcome_detail))
    return {
        "identifier": str(uuid.uuid5(_NAMESPACE, key)),
        "event_type": event_type,
        "date_time": when,
        "detail": detail,
        "outcome": outcome,
        "outcome_detail": outcome_detail,
        "outcome_information": outcome_information,
        "object": obj,
        "agent": agent,
        "intellectual_object_identifier": f"hdl:{handle}",
        "generic_file_identifier": f"data/{file}" if file else None,
    }


def from_mets(handle: str, events: Iterable[Mapping[str, str | None]]) -> list[dict[str, Any]]:
    return [make_event(handle, e.get("event_type") or "unknown", e.get("date_time"),
                       detail=e.get("detail"), outcome=e.get("outcome"),
                       outcome_detail=e.get("outcome_detail"), agent=e.get("agent"),
                       obj=e.get("file"), file=e.get("file"))
            for e in events]


def from_history(conn: Connection, handle: str, files: Iterable[str]) -> list[dict[str, Any]]:
    """Format changes the workbench recorded for the bitstreams among ``files``."""
    out = []
    for name in files:
        match = _BITSTREAM.match(name)
        if not match:
            continue
        for entry in history_of(conn, int(match.group(1))):
            old = entry.old_format_key or entry.old_format_name or entry.old_format_id
            new = entry.new_format_key or entry.new_format_name or entry.new_format_id
            note = f"; note: {entry.note}" if entry.note else ""
            out.append(make_event(
                handle, "format change", entry.changed_at,
                detail=f"{entry.action} by {entry.changed_by}: {old} -> {new}{note}",
                outcome="success",
                outcome_detail=f"confidence={entry.new_confidence} source={entry.new_source} "
                               f"basis={entry.new_basis}",
                agent=entry.changed_by, obj=name, file=name))
    return out


def from_registry(handle: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [make_event(handle, str(r["event_type"]), r["date_time"], detail=r.get("detail"),
                       outcome=r.get("outcome"), outcome_detail=r.get("outcome_detail"),
                       obj=r.get("object"), agent=r.get("agent"))
            for r in rows]


def document(handle: str, bag_name: str, software: str, events: list[dict[str, Any]],
             closing: dict[str, Any] | None = None) -> bytes:
    """The JSON file's bytes: events sorted by time (stable), then the ``closing`` event (the
    restoration that wrote the file), two-space indented, UTF-8."""
    ordered = sorted(enumerate(events), key=lambda p: (p[1]["date_time"] or "", p[0]))
    doc = {
        "intellectual_object_identifier": f"hdl:{handle}",
        "bag": bag_name,
        "generated_by": software,
        "events": [e for _i, e in ordered] + ([closing] if closing else []),
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
