"""Write a result frame as table, CSV, JSON, JSON lines or Parquet, with provenance where it fits."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import duckdb

from cloudcarbon import __version__
from cloudcarbon.coefficients.loader import COEFFICIENTS_VERSION
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.queries import quote_identifier

if TYPE_CHECKING:  # pandas and rich load when a command writes output, not for --help or --version
    import pandas as pd
    from rich.console import Console

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What pandas infers for a column that holds text (possibly beside other values).
TEXT_KINDS = {"string", "mixed", "mixed-integer"}
# Rows a table shows, the rest counted under it: rich lays one out in about a millisecond, and `footprint --by
# month,service,region,instance_type` over a 10M-line month has 14,000 (14 s to the terminal), over a year 39,000.
TABLE_LIMIT = 500


def provenance(**extra: object) -> dict[str, object]:
    """What produced a result: recorded in JSON output and reports."""
    return {
        "tool": "cloudcarbon",
        "tool_version": __version__,
        "coefficients_version": COEFFICIENTS_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell that starts with a formula character prefixed with ', which makes a
    spreadsheet read it as text (OWASP). Numeric columns are left alone, so -12.5 stays a number."""
    import pandas as pd

    safe = frame
    for position in range(frame.shape[1]):  # by position: column names may repeat
        values = frame.iloc[:, position]
        if pd.api.types.infer_dtype(values, skipna=True) not in TEXT_KINDS:
            continue
        risky = values.str.startswith(FORMULA_START, na=False)
        if risky.any():
            safe = safe.copy() if safe is frame else safe
            safe.isetitem(position, values.mask(risky, "'" + values[risky]))
    return safe


def write_csv(frame: pd.DataFrame, target: Path | None = None) -> str | None:
    """The only way cloudcarbon writes CSV: spreadsheet-safe cells, no index, CRLF between records (RFC 4180;
    with a bare \n, Python 3.11 leaves a carriage return inside a cell unquoted, and a spreadsheet starts a new
    row, and maybe a formula, there). Returns the text when there is no `target`."""
    return spreadsheet_safe(frame).to_csv(target, index=False, lineterminator="\r\n")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN -> null, numpy -> Python, timestamps ISO 8601), as every JSON output holds them."""
    return json.loads(frame.to_json(orient="records", date_format="iso", double_precision=15))


def _cell(value: object) -> str:
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def _table(frame: pd.DataFrame, console: Console, title: str | None, *, counted: bool = True) -> None:
    """`frame` as a table of at most TABLE_LIMIT rows, saying how many more there are (`counted`: `frame` holds
    every row of the result, else only the first ones and one more)."""
    import pandas as pd
    from rich.table import Table

    shown = frame.head(TABLE_LIMIT)
    caption = None
    if len(frame) > len(shown):
        caption = ((f"the first {len(shown):,} of {len(frame):,} rows" if counted else
                    f"the first {len(shown):,} rows of more")
                   + ": --format csv, json or parquet with --output FILE writes every row")
    frame = shown
    table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        # Text columns keep a readable width; numbers never wrap.
        longest = int(frame[column].astype("string").str.len().fillna(0).max()) if len(frame) else 0
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold", no_wrap=numeric,
                         min_width=None if numeric else min(32, max(len(str(column)), longest)))
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    console.print(table)


def _write_json(handle: TextIO, meta: dict[str, object], frame: pd.DataFrame) -> None:
    """`{"meta": ..., "rows": [...]}` with the meta indented and one row per line (as `records` holds them): as
    readable, and diffable row by row. Rows go out in chunks encoded by pandas' C encoder, never one whole text."""
    handle.write(json.dumps({"meta": meta}, indent=2)[:-2] + ',\n  "rows": [')  # without the closing "\n}"
    for start in range(0, len(frame), JSON_CHUNK_ROWS):
        chunk = frame.iloc[start:start + JSON_CHUNK_ROWS]
        lines = chunk.to_json(orient="records", lines=True, date_format="iso", double_precision=15).splitlines()
        handle.write(("\n    " if start == 0 else ",\n    ") + ",\n    ".join(lines))
    handle.write("\n  ]\n}\n" if len(frame) else "]\n}\n")


@dataclass(frozen=True)
class Rendering:
    """What a renderer writes: the rows, where to (None = stdout), and what some formats show besides them."""

    frame: pd.DataFrame
    target: Path | None
    meta: dict[str, object] | None = None
    title: str | None = None
    table_columns: dict[str, str] | None = None
    counted: bool = True  # `frame` holds every row (not only the first TABLE_LIMIT and one more)


def _write_text(text: str, target: Path | None) -> None:
    if target:
        target.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _render_table(out: Rendering) -> None:
    """The terminal table: only `table_columns` (column -> header label) where given."""
    from rich.console import Console

    frame = out.frame
    if out.table_columns:
        frame = frame[[c for c in out.table_columns if c in frame.columns]].rename(columns=out.table_columns)
    if out.target:
        with out.target.open("w", encoding="utf-8") as handle:
            _table(frame, Console(file=handle, width=200), out.title, counted=out.counted)
    else:
        # Off a terminal rich assumes 80 columns; give tables room instead of folding numbers.
        _table(frame, Console() if sys.stdout.isatty() else Console(width=160), out.title,
               counted=out.counted)


def _render_csv(out: Rendering) -> None:
    _write_text(write_csv(out.frame), out.target)


def _render_json(out: Rendering) -> None:
    with out.target.open("w", encoding="utf-8") if out.target else nullcontext(sys.stdout) as handle:
        _write_json(handle, out.meta or provenance(), out.frame)


def _render_jsonl(out: Rendering) -> None:
    frame = out.frame
    _write_text(frame.to_json(orient="records", lines=True, date_format="iso", double_precision=15)
                if len(frame) else "", out.target)


def _render_parquet(out: Rendering) -> None:
    if out.target is None:
        raise UsageError("--format parquet writes a binary file: add --output PATH.parquet")
    # Written by DuckDB, so the base install needs no pyarrow.
    with duckdb.connect() as con:
        try:
            con.from_df(out.frame).write_parquet(str(out.target))
        except duckdb.IOException as error:  # a read-only folder, a full disk
            raise InputError(f"--output {out.target}: cannot write it ({str(error).splitlines()[0]})") from None


# --format name -> renderer; a new format is one function and one entry (the CLI's choices follow).
RENDERERS: dict[str, Callable[[Rendering], None]] = {
    "table": _render_table,
    "csv": _render_csv,
    "json": _render_json,
    "jsonl": _render_jsonl,
    "parquet": _render_parquet,
}
FORMATS = tuple(RENDERERS)


JSON_CHUNK_ROWS = 10_000  # rows a JSON writer encodes at a time
CHUNK_VECTORS = 64  # DuckDB vectors (2,048 rows each) per chunk a streamed writer holds


def _safe_select(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> str:
    """`sql` with every text cell that starts with a formula character prefixed with ', as spreadsheet_safe, and
    booleans spelled True/False as write_csv (pandas) spells them, so a CSV file reads as the same rows on stdout."""
    columns = con.execute(f"DESCRIBE ({sql})", params).fetchall()
    starts = "[" + "".join("\\" + c if c in "-\\" else c for c in FORMULA_START) + "]"
    parts = []
    for name, kind, *_ in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        if kind == "VARCHAR":
            value = f"CASE WHEN regexp_matches({quoted}, '^{starts}') THEN chr(39) || {quoted} ELSE {quoted} END"
        elif kind == "BOOLEAN":
            value = f"CASE WHEN {quoted} THEN 'True' WHEN NOT {quoted} THEN 'False' END"
        else:
            value = quoted
        parts.append(f"{value} AS {quoted}")
    return f"SELECT {', '.join(parts)} FROM ({sql})"


def _json_select(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> str:
    """`sql` as one JSON object per row, encoded by DuckDB, with values as `records` holds them: timestamps (and
    dates, at midnight, as pandas reads them) in ISO 8601, non-finite numbers null (JSON has no NaN)."""
    parts = []
    for name, kind, *_ in con.execute(f"DESCRIBE ({sql})", params).fetchall():
        quoted = quote_identifier(name)
        if kind in ("DOUBLE", "FLOAT"):
            value = f"CASE WHEN isfinite({quoted}) THEN {quoted} END"
        elif kind == "TIMESTAMP WITH TIME ZONE":
            value = f"strftime(timezone('UTC', {quoted}), '%Y-%m-%dT%H:%M:%S.%gZ')"
        elif kind.startswith("TIMESTAMP") or kind == "DATE":
            value = f"strftime({quoted}, '%Y-%m-%dT%H:%M:%S.%g')"
        else:
            value = quoted
        parts.append(f"{value} AS {quoted}")
    return f"SELECT CAST(to_json(r) AS VARCHAR) FROM (SELECT {', '.join(parts)} FROM ({sql})) r"


def _chunks(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> Iterator[pd.DataFrame]:
    result = con.execute(sql, params)
    while len(chunk := result.fetch_df_chunk(CHUNK_VECTORS)):
        yield chunk


def emit_query(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, object],
    fmt: str,
    output: str | None,
    *,
    meta: dict[str, object] | None = None,
    title: str | None = None,
) -> None:
    """Write the rows of `sql` as `emit` writes a frame, without ever holding them all: DuckDB writes CSV and
    Parquet files itself; JSON, JSON lines and CSV on stdout go out chunk by chunk; the table shows the first
    TABLE_LIMIT rows and says whether more follow."""
    if fmt not in RENDERERS:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    target = Path(output) if output else None
    if fmt == "table":  # the first rows and one more, never a count: a trace's would compute every row
        frame = con.execute(f"SELECT * FROM ({sql}) LIMIT {TABLE_LIMIT + 1}", params).df()
        _render_table(Rendering(frame, target, meta, title, counted=False))
        return
    if fmt == "parquet" or (fmt == "csv" and target):
        if target is None:
            raise UsageError("--format parquet writes a binary file: add --output PATH.parquet")
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER, NEW_LINE '\\r\\n'"
        source = sql if fmt == "parquet" else _safe_select(con, sql, params)
        try:
            con.execute(f"COPY ({source}) TO $target ({options})", {**params, "target": str(target)})
        except duckdb.IOException as error:  # a read-only folder, a full disk
            raise InputError(f"--output {target}: cannot write it ({str(error).splitlines()[0]})") from None
        return
    with target.open("w", encoding="utf-8", newline="") if target else nullcontext(sys.stdout) as handle:
        if fmt == "csv":
            for number, chunk in enumerate(_chunks(con, sql, params)):
                handle.write(spreadsheet_safe(chunk).to_csv(index=False, header=number == 0, lineterminator="\r\n"))
            return
        result = con.execute(_json_select(con, sql, params), params)
        if fmt == "jsonl":
            while batch := result.fetchmany(JSON_CHUNK_ROWS):
                handle.write("".join(row + "\n" for (row,) in batch))
            return
        handle.write(json.dumps({"meta": meta or provenance()}, indent=2)[:-2] + ',\n  "rows": [')
        first = True
        while batch := result.fetchmany(JSON_CHUNK_ROWS):
            handle.write(("\n    " if first else ",\n    ") + ",\n    ".join(row for (row,) in batch))
            first = False
        handle.write("]\n}\n" if first else "\n  ]\n}\n")


def emit(
    frame: pd.DataFrame,
    fmt: str,
    output: str | None,
    *,
    meta: dict[str, object] | None = None,
    title: str | None = None,
    table_columns: dict[str, str] | None = None,
) -> None:
    """Write `frame` to `output` (a path) or stdout in the chosen format. The terminal table may show
    only `table_columns` (column -> header label); every other format carries every column."""
    render = RENDERERS.get(fmt)
    if render is None:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    render(Rendering(frame, Path(output) if output else None, meta, title, table_columns))
