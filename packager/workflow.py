"""What "workflow" means when an AIP is submitted (``-s`` without ``-w``) in this model.

DSpace 1.5 puts a submitted item into its collection's approval workflow when the collection
has a reviewer group for step 1, 2 or 3 (``collection.workflow_step_N``): the item is stored
*not* in the archive (``in_archive = false``, no handle yet, not in ``collection2item``) and a
``workflowitem`` row records the collection and the step whose pool it waits in (state 1, 3 or
5 = STEP_1/2/3_POOL). A reviewer's approval later installs it (handle, collection membership,
``dc.date.accessioned``). bsf's model has no ``workflowitem`` table, so this module defines it
with DSpace 1.5's own name and columns, on its own MetaData, created on first use. A collection
with no workflow groups installs the item straight away, as DSpace does; ``-w`` always does.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Connection, Integer, MetaData, Sequence, Table, insert

from archive.sidetables import ensure_tables

WORKFLOW_META = MetaData()
WORKFLOWITEM = Table(
    "workflowitem", WORKFLOW_META,
    Column("workflow_id", Integer, Sequence("workflowitem_seq"), primary_key=True),
    Column("item_id", Integer, unique=True),
    Column("collection_id", Integer),
    Column("state", Integer),
    Column("owner", Integer),
    Column("multiple_titles", Boolean),
    Column("published_before", Boolean),
    Column("multiple_files", Boolean),
)

#: DSpace 1.5 WorkflowManager states: the pool of step 1, 2, 3.
STEP_POOLS = {1: 1, 2: 3, 3: 5}


def first_step(collection_row: object) -> int | None:
    """The first workflow step with a reviewer group, or None (no workflow)."""
    for step in (1, 2, 3):
        if getattr(collection_row, f"workflow_step_{step}", None) is not None:
            return step
    return None


def start_workflow(conn: Connection, item_id: int, collection_id: int, step: int) -> int:
    ensure_tables(conn, WORKFLOW_META)
    key = conn.execute(insert(WORKFLOWITEM).values(
        item_id=item_id, collection_id=collection_id, state=STEP_POOLS[step], owner=None,
        multiple_titles=False, published_before=False, multiple_files=False,
    )).inserted_primary_key
    assert key is not None
    return int(key[0])
