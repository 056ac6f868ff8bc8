"""Numbers from CSV: the row rules, one savepoint per row, a report of every line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from simhive.core.errors import Conflict, CoreError, InvalidParameter
from simhive.core.inventory.service import NumberSpec, add_number
from simhive.db.uow import UnitOfWork

COLUMNS = ("mdn", "carrier", "state", "area_code", "gateway", "online")

_TRUE = {"1", "true", "yes", "y", "online", ""}
_FALSE = {"0", "false", "no", "n", "offline"}


@dataclass
class ImportResult:
    added: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def import_numbers(uow: UnitOfWork, *, text: str) -> ImportResult:
    """Add the numbers of a CSV text (header: mdn, carrier, state, area_code, gateway, online).

    A savepoint per row: a refused row leaves nothing behind and does not stop the others.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    result = ImportResult()
    if reader.fieldnames is None or "mdn" not in [f.strip().lower() for f in reader.fieldnames]:
        result.errors.append("line 1: the header must name an mdn column")
        return result
    for raw in reader:
        line = reader.line_num
        row = {(k or "").strip().lower(): _cell(v) for k, v in raw.items()}
        try:
            with uow.session.begin_nested():
                add_number(uow, number_spec(row))
            result.added += 1
        except (Conflict, IntegrityError):
            # IntegrityError: another writer added the same MDN meanwhile.
            result.duplicates += 1
        except CoreError as exc:
            result.errors.append(f"line {line}: {exc}")
    return result


def _cell(value: str | list[str] | None) -> str:
    # DictReader puts the cells beyond the header in a list under the key None.
    return value.strip() if isinstance(value, str) else ""


def number_spec(row: dict[str, str]) -> NumberSpec:
    """One CSV row as a number to add, or the rule it breaks."""
    online = row.get("online", "").lower()
    if online not in _TRUE | _FALSE:
        raise InvalidParameter("online", online, f"online must be one of 1/0, yes/no: {online!r}")
    return NumberSpec(
        mdn=row.get("mdn", ""),
        carrier=row.get("carrier", ""),
        state=row.get("state", "").upper(),
        area_code=row.get("area_code", ""),
        gateway=row.get("gateway") or "simulator",
        online=online in _TRUE,
    )
