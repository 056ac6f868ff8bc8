"""Numbers from CSV: the row rules, one savepoint per row, a report of every line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from simhive.core.errors import Conflict, CoreError, InvalidParameter
from simhive.core.inventory.service import NumberSpec, add_number
from simhive.db.uow import UnitOfWork
from simhive.kit.phone import is_valid_state, parse_country

COLUMNS = ("mdn", "carrier", "state", "area_code", "gateway", "online", "country")

_TRUE = {"1", "true", "yes", "y", "online", ""}
_FALSE = {"0", "false", "no", "n", "offline"}


# Cell lengths the numbers table holds.
_LIMITS = {
    "mdn": 32,
    "carrier": 32,
    "state": 2,
    "area_code": 3,
    "gateway": 32,
    "online": 8,
    "country": 3,
}


@dataclass
class ImportResult:
    added: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """A CSV file's text: UTF-8 (a byte-order mark allowed), or refused."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidParameter(
            "csv", "", f"the CSV is not UTF-8 text (byte {exc.start} is not UTF-8)"
        ) from exc


def import_numbers(uow: UnitOfWork, *, text: str) -> ImportResult:
    """Add the numbers of a CSV text (header: mdn, carrier, state, area_code, gateway, online,
    country).

    A savepoint per row: a refused row leaves nothing behind and does not stop the others.
    A row without a gateway takes the operator's default gateway, or is refused.
    """
    default_gateway = uow.settings.default_gateway
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    result = ImportResult()
    if reader.fieldnames is None or "mdn" not in [f.strip().lower() for f in reader.fieldnames]:
        result.errors.append("line 1: the header must name an mdn column")
        return result
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader cannot find the next row after this; the rows before it stay.
            result.errors.append(f"line {reader.line_num}: {exc}; the rest is not read")
            break
        line = reader.line_num
        row = {(k or "").strip().lower(): _cell(v) for k, v in raw.items()}
        try:
            spec = number_spec(row, default_gateway=default_gateway)
            with uow.session.begin_nested():
                add_number(uow, spec)
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


def number_spec(row: dict[str, str], *, default_gateway: str | None = None) -> NumberSpec:
    """One CSV row as a number to add, or the rule it breaks."""
    for name, value in row.items():
        if "\x00" in value:
            raise InvalidParameter(name, value.replace("\x00", ""), f"{name} holds a NUL")
        limit = _LIMITS.get(name)
        if limit is not None and len(value) > limit:
            raise InvalidParameter(name, value[:64], f"{name} is longer than {limit} characters")
    online = row.get("online", "").lower()
    if online not in _TRUE | _FALSE:
        raise InvalidParameter("online", online, f"online must be one of 1/0, yes/no: {online!r}")
    country = parse_country(row.get("country") or "US")
    if country is None:
        raise InvalidParameter(
            "country", row["country"], f"country must be US, NL or UK: {row['country']!r}"
        )
    state = row.get("state", "").upper()
    area_code = row.get("area_code", "")
    if country != "US" and (state or area_code):
        raise InvalidParameter(
            "state" if state else "area_code",
            state or area_code,
            "states and area codes are for US numbers",
        )
    if state and not is_valid_state(state):
        raise InvalidParameter("state", state, f"state {state!r} is not a US state")
    if area_code and not (len(area_code) == 3 and area_code.isascii() and area_code.isdigit()):
        raise InvalidParameter("area_code", area_code, f"area_code {area_code!r} is not 3 digits")
    gateway = row.get("gateway") or default_gateway
    if not gateway:
        raise InvalidParameter(
            "gateway", "", "no gateway: add a gateway column, or set SIMHIVE_DEFAULT_GATEWAY"
        )
    return NumberSpec(
        mdn=row.get("mdn", ""),
        carrier=row.get("carrier", ""),
        state=state,
        area_code=area_code,
        gateway=gateway,
        online=online in _TRUE,
        country=country,
    )
