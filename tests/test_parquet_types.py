"""A Parquet column that must hold numbers (costs, usage amounts) but is stored as another type (BOOLEAN,
a date, bytes, a struct) is refused in one line naming the file, the column and its type, for every
connector that reads Parquet: DuckDB would otherwise cast `true` to a cost of 1. Numbers of any width and
text (whose bad values are named by row and column) are read as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import azurefiles
import gcpfiles
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from test_focus import row as focus_row
from test_focus import write_focus


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item(payer="999999999999")])))
    return fingerprint(db)


def _with_field(struct: pa.StructArray, field: str, replacement: pa.Array) -> pa.StructArray:
    fields = [struct.field(f.name) if f.name != field else replacement for f in struct.type]
    return pa.StructArray.from_arrays(fields, names=[f.name for f in struct.type])


def retyped(path: Path, column: str, kind: pa.DataType, values: Callable[[int], list]) -> Path:
    """Replace a top-level column, or one field of a struct column (`usage.amount`) or of a list of structs
    (`credits.amount`), by `values`."""
    table = pq.read_table(path)
    head, _, field = column.partition(".")
    index = table.schema.get_field_index(head)
    original = table.column(head).combine_chunks()
    if field and pa.types.is_list(original.type):
        entries = original.flatten()
        new = pa.ListArray.from_arrays(original.offsets, _with_field(entries, field, pa.array(values(len(entries)),
                                                                                               kind)))
    elif field:
        new = _with_field(original, field, pa.array(values(len(table)), kind))
    else:
        new = pa.array(values(len(table)), kind)
    pq.write_table(table.set_column(index, head, new), path)
    return path


BOOLEANS = (pa.bool_(), lambda n: [True] * n, "BOOLEAN")
DATES = (pa.date32(), lambda n: [None] * n, "DATE")
BYTES = (pa.binary(), lambda n: [b"1.5"] * n, "BLOB")


def aws(folder: Path) -> Path:
    return write_cur(folder / "cur.parquet", [item(resource_id=f"i-{n}") for n in range(3)])


def azure(folder: Path) -> Path:
    return azurefiles.write_export(folder / "export.parquet", azurefiles.mixed_rows())


def gcp(folder: Path) -> Path:
    return gcpfiles.write_parquet(folder / "export.parquet", gcpfiles.mixed_rows())


def focus(folder: Path) -> Path:
    return write_focus(folder / "export.parquet", [focus_row(ResourceId=f"i-{n}") for n in range(3)])


CASES = [  # (connector, builder, column as the file spells it, type)
    ("aws", aws, "line_item_unblended_cost", BOOLEANS),
    ("aws", aws, "line_item_usage_amount", BOOLEANS),
    ("aws", aws, "reservation_effective_cost", DATES),
    ("aws", aws, "line_item_usage_amount", BYTES),
    ("azure", azure, "CostInBillingCurrency", BOOLEANS),
    ("azure", azure, "Quantity", DATES),
    ("gcp", gcp, "cost", BOOLEANS),
    ("gcp", gcp, "usage.amount", BOOLEANS),
    ("gcp", gcp, "credits.amount", BOOLEANS),
    ("focus", focus, "EffectiveCost", BOOLEANS),
    ("focus", focus, "ConsumedQuantity", BOOLEANS),
    ("focus", focus, "BilledCost", BYTES),
]


@pytest.mark.parametrize(("connector", "build", "column", "kind"), CASES,
                         ids=[f"{c}-{col}-{k[2]}" for c, _, col, k in CASES])
def test_a_numeric_column_of_another_type_is_refused(tmp_path, seeded, run, db, connector, build, column, kind):
    arrow_type, values, name = kind
    path = retyped(build(tmp_path), column, arrow_type, values)
    one_line_error(run("ingest", connector, str(path), expect=1), str(path), column, name)
    assert fingerprint(db) == seeded


@pytest.mark.parametrize(("kind", "value"), [(pa.int32(), 3), (pa.float32(), 3.0), (pa.decimal128(18, 6), None),
                                             (pa.string(), "3")])
def test_numbers_of_any_width_and_text_are_read(tmp_path, run, db, kind, value):
    from decimal import Decimal

    number = Decimal("3.000000") if value is None else value
    path = retyped(aws(tmp_path), "line_item_usage_amount", kind, lambda n: [number] * n)
    assert "3 kept" in run("ingest", "aws", str(path)).stderr
