"""Phase 0 (``Upgrade15To16 -0``): convert a DSpace 1.5 schema to the renovated model.

In one transaction (PostgreSQL and SQLite both run DDL transactionally, so a failure changes
nothing):

1. ``bitstream`` gains ``format_confidence``, ``format_source``, ``format_basis``,
   ``format_warning``; table ``externalidentifier`` is created (canonical key + synonyms per
   format).
2. The 1.5 format data is preserved for phases 1-2 and the report: ``bsf15_bitstreamformatregistry``
   (old registry), ``bsf15_fileextension`` (old extensions), ``bsf15_bitstreamformat`` (every
   bitstream's old format id).
3. Every bitstream's format becomes undefined (``bitstream_format_id = NULL``) and the old
   registry rows leave the live ``bitstreamformatregistry``, which from now on is the local cache
   of external registries (filled by phases 1-2 through ``archive.formatcache``).
4. The 1.5 ``UNIQUE`` on ``short_description`` goes, since two external formats may share a
   name: PostgreSQL drops the constraint; SQLite cannot drop a column constraint, so the (now
   empty) table is rebuilt without it (create, drop, rename — inside the same transaction; the
   foreign keys of ``bitstream``/``fileextension`` refer to the table by name and keep working).

Once committed there is no undo but the backup: the step says so. It refuses to run twice and
refuses when the schema is half-converted (some but not all of the renovated pieces present).
"""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    MetaData,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.schema import CreateIndex, CreateSequence, CreateTable, Sequence

from archive.db import is_renovated
from archive.schema import T15, T16
from bsfcore.errors import StepError
from upgrade.scope import analyze, preserved_tables
from upgrade.step import StepContext, Summary

_PRESERVED = ["bsf15_bitstreamformatregistry", "bsf15_fileextension", "bsf15_bitstreamformat"]
_NEW_COLUMNS = [("format_confidence", "SMALLINT"), ("format_source", "VARCHAR(256)"),
                ("format_basis", "TEXT"), ("format_warning", "TEXT")]


class Phase0:
    key = "phase0"
    title = "-0: convert the database schema to the renovated model (no undo but a backup)"
    requires: tuple[str, ...] = ()

    def is_done(self, conn: Connection) -> bool:
        return is_renovated(conn)

    def check(self, conn: Connection) -> None:
        names = set(inspect(conn).get_table_names())
        missing = {"bitstream", "bitstreamformatregistry", "fileextension"} - names
        if missing:
            raise StepError(f"phase 0: this is not a DSpace archive database (missing tables: "
                            f"{', '.join(sorted(missing))})", step=self.key)
        renovated = is_renovated(conn)
        preserved = preserved_tables(conn)
        has_ext = "externalidentifier" in names
        if renovated and len(preserved) == len(_PRESERVED) and has_ext:
            raise StepError("phase 0 has already run on this archive; it refuses to run twice. "
                            "Continue with -p / -1 / -2 (see `bsf upgrade status`).", step=self.key)
        if renovated and not preserved and has_ext:
            raise StepError("this archive already uses the renovated format model (phase 3 is "
                            "done, or it was created renovated); phase 0 has nothing to do.",
                            step=self.key)
        if renovated or preserved or has_ext:
            present = (["bitstream.format_confidence"] if renovated else []) + preserved + (
                ["externalidentifier"] if has_ext else [])
            raise StepError("phase 0 refuses: the phase state is inconsistent (a partial "
                            f"conversion is present: {', '.join(present)}). Restore the backup "
                            "made before phase 0 and run it again.", step=self.key)

    def run(self, ctx: StepContext) -> Summary:
        t15 = T15
        with ctx.engine.connect() as conn:
            self.check(conn)
            n_bitstreams = conn.execute(select(func.count()).select_from(t15.bitstream)).scalar()
            n_formats = conn.execute(
                select(func.count()).select_from(t15.bitstreamformatregistry)).scalar()
            n_ext = conn.execute(select(func.count()).select_from(t15.fileextension)).scalar()
        if ctx.engine.dialect.name not in ("postgresql", "sqlite"):
            ctx.log(f"WARNING: {ctx.engine.dialect.name} cannot run DDL in a transaction: "
                    "a failure part-way leaves a half-converted schema. THERE IS NO UNDO.")
        else:
            ctx.log("Phase 0 runs in one transaction: if it fails nothing changes. Once it has "
                    "finished there is no undo except restoring your backup.")
        with ctx.engine.begin() as conn:
            # A DML statement first: on SQLite it opens the transaction the DDL then joins.
            ctx.write(conn, update(t15.bitstream).values(
                bitstream_format_id=t15.bitstream.c.bitstream_format_id).where(text("1 = 0")),
                label="open transaction")
            self._convert(ctx, conn)
        if not ctx.dry_run:
            with ctx.engine.begin() as conn:
                analyze(conn)  # every bitstream row was rewritten: fresh planner statistics
        lines = [
            "Phase 0 finished: database converted to the renovated format model.",
            f"Preserved 1.5 format data: {n_formats} formats, {n_ext} extensions, "
            f"old format of {n_bitstreams} bitstreams.",
            f"All {n_bitstreams} bitstreams now have an undefined format.",
        ]
        if ctx.dry_run:
            lines = [f"Phase 0 dry run: would convert the schema ({n_formats} formats, {n_ext} "
                     f"extensions, {n_bitstreams} bitstreams); nothing was changed."]
        for line in lines:
            ctx.emit(line)
        return Summary(self.key, lines, {"bitstreams": int(n_bitstreams or 0),
                                         "formats": int(n_formats or 0),
                                         "extensions": int(n_ext or 0)}, ctx.dry_run)

    def _convert(self, ctx: StepContext, conn: Connection) -> None:
        t15, t16 = T15, T16
        for name, sqltype in _NEW_COLUMNS:
            ctx.write(conn, text(f"ALTER TABLE bitstream ADD COLUMN {name} {sqltype}"),
                      label="alter table")
        for table in (t16.externalidentifier, t16.bsf15_bitstreamformatregistry,
                      t16.bsf15_fileextension, t16.bsf15_bitstreamformat):
            assert table is not None
            _create_table(ctx, conn, table)
        old_reg = t15.bitstreamformatregistry
        keep = t16.bsf15_bitstreamformatregistry
        assert keep is not None
        cols = ["bitstream_format_id", "mimetype", "short_description", "description",
                "support_level", "internal"]
        ctx.write(conn, insert(keep).from_select(cols, select(*(old_reg.c[c] for c in cols))),
                  label="preserve formats")
        keep_ext = t16.bsf15_fileextension
        assert keep_ext is not None
        ext_cols = ["file_extension_id", "bitstream_format_id", "extension"]
        ctx.write(conn, insert(keep_ext).from_select(
            ext_cols, select(*(t15.fileextension.c[c] for c in ext_cols))),
            label="preserve extensions")
        keep_bs = t16.bsf15_bitstreamformat
        assert keep_bs is not None
        ctx.write(conn, insert(keep_bs).from_select(
            ["bitstream_id", "bitstream_format_id"],
            select(t15.bitstream.c.bitstream_id, t15.bitstream.c.bitstream_format_id)),
            label="preserve bitstream formats")
        ctx.write(conn, update(t15.bitstream).values(bitstream_format_id=None),
                  label="undefine bitstream formats")
        ctx.write(conn, t15.fileextension.delete(), label="clear live extensions")
        ctx.write(conn, old_reg.delete(), label="clear live registry")
        self._drop_name_unique(ctx, conn)

    @staticmethod
    def _drop_name_unique(ctx: StepContext, conn: Connection) -> None:
        insp = inspect(conn)
        if conn.dialect.name == "postgresql":
            for uc in insp.get_unique_constraints("bitstreamformatregistry"):
                if uc["column_names"] == ["short_description"]:
                    ctx.write(conn, text(f'ALTER TABLE bitstreamformatregistry '
                                         f'DROP CONSTRAINT "{uc["name"]}"'), label="alter table")
            for ix in insp.get_indexes("bitstreamformatregistry"):
                if ix["unique"] and ix["column_names"] == ["short_description"]:
                    ctx.write(conn, text(f'DROP INDEX IF EXISTS "{ix["name"]}"'),
                              label="drop index")
            return
        if conn.dialect.name != "sqlite":
            return
        unique = any(uc["column_names"] == ["short_description"]
                     for uc in insp.get_unique_constraints("bitstreamformatregistry"))
        if not unique:
            return
        rebuilt: Table = T16.bitstreamformatregistry.to_metadata(
            MetaData(), name="bsf_rebuild_bitstreamformatregistry")
        ctx.write(conn, CreateTable(rebuilt), label="rebuild registry")
        cols = [c.name for c in rebuilt.columns]
        ctx.write(conn, text(f"INSERT INTO bsf_rebuild_bitstreamformatregistry ({', '.join(cols)})"
                             f" SELECT {', '.join(cols)} FROM bitstreamformatregistry"),
                  label="rebuild registry")
        ctx.write(conn, text("DROP TABLE bitstreamformatregistry"), label="rebuild registry")
        ctx.write(conn, text("ALTER TABLE bsf_rebuild_bitstreamformatregistry "
                             "RENAME TO bitstreamformatregistry"), label="rebuild registry")


def _create_table(ctx: StepContext, conn: Connection, table: Table) -> None:
    if conn.dialect.name == "postgresql":
        for column in table.columns:
            if isinstance(column.default, Sequence):
                ctx.write(conn, CreateSequence(column.default, if_not_exists=True),
                          label="create sequence")
    ctx.write(conn, CreateTable(table), label="create table")
    for index in table.indexes:
        ctx.write(conn, CreateIndex(index), label="create index")
