"""Reading and writing records in CSV, JSON Lines and JSON, with the line each record starts on."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

FORMATS = ("csv", "jsonl", "json")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


class FormatError(ValueError):
    """The file as a whole can't be read (not a row problem)."""


class JSONValueError(ValueError):
    """A JSON text the importers don't accept; the message says why, for a row error."""


# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...), +cmd|...).
# The CSV writer puts a quote in front of such text (and in front of text already quoted that
# way, so that the reader's stripping of one quote gives back exactly what was written). Plain
# numbers like -12.5 stay as they are: a spreadsheet reads them as numbers.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

# Longer integers are no asset data; Python's own limit (4300 digits) would raise a bare ValueError.
MAX_INTEGER_DIGITS = 100


def _reject_constant(name: str):
    raise JSONValueError(f"{name} is not a valid JSON number")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise JSONValueError(f"a number has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise JSONValueError("a number is out of range")
    return number


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_parse_int, parse_float=_parse_float)


def _problem(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"


def loads_strict(text: str):
    """json.loads without NaN/Infinity, huge numbers or unbounded nesting. Raises JSONValueError
    with a message fit for a row error."""
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        raise JSONValueError(_problem(exc)) from None


def _raw_decode_strict(text: str, position: int):
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise FormatError(f"line {exc.lineno}: invalid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        line = text.count("\n", 0, position) + 1
        raise FormatError(f"line {line}: {_problem(exc)}") from None


def detect_format(path: str, explicit: str | None) -> str:
    if explicit:
        if explicit not in FORMATS:
            raise FormatError(f"unknown format '{explicit}'; use one of {', '.join(FORMATS)}")
        return explicit
    if path == "-":
        raise FormatError("reading from stdin needs --format")
    fmt = EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise FormatError(f"can't tell the format of {path} from its extension; pass --format")
    return fmt


def read_records(stream: io.TextIOBase, fmt: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """Yields (line, record, error). A record that can't be parsed yields (line, None, message)
    so the caller can report it with the others instead of stopping."""
    if fmt == "csv":
        yield from _read_csv(stream)
    elif fmt == "jsonl":
        for line_no, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = loads_strict(line)
            except JSONValueError as exc:
                yield line_no, None, str(exc)
                continue
            if not isinstance(record, dict):
                yield line_no, None, "each line must be a JSON object"
                continue
            yield line_no, record, None
    else:
        yield from _read_json_array(stream.read())


def _read_csv(stream) -> Iterator[tuple[int, dict | None, str | None]]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FormatError(f"line 1: {exc}")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        raise FormatError("line 1: the header repeats a column")
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, str(exc)
            continue
        text = "".join(row)
        if not text.strip():
            continue
        if len(row) != len(header):
            yield start, None, f"has {len(row)} cells, the header has {len(header)}"
            continue
        # Only a cell that starts with a quote can be an escaped formula: most rows hold none.
        cells = [unescape_formula(cell) for cell in row] if "'" in text else row
        yield start, dict(zip(header, cells, strict=True)), None


def _read_json_array(text: str) -> Iterator[tuple[int, dict | None, str | None]]:
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise FormatError("line 1: a JSON file must hold an array of objects")
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return
    while position < len(text):
        line = text.count("\n", 0, position) + 1
        record, position = _raw_decode_strict(text, position)
        if isinstance(record, dict):
            yield line, record, None
        else:
            yield line, None, "each item must be a JSON object"
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            continue
        if position < len(text) and text[position] == "]":
            return
        raise FormatError(f"line {text.count(chr(10), 0, position) + 1}: expected ',' or ']'")
    raise FormatError("the JSON array is not closed")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def write_records(stream, fmt: str, records: Iterable[dict], columns: list[str]) -> int:
    """CSV cells hold text: nested values (lists, objects) are written as JSON."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        # Python 3.11's writer quotes only the lineterminator's characters, so a lone "\r" in a
        # cell would end the row for the reader: such rows are written with every cell quoted.
        quoting_writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        for record in records:
            cells = [_csv_cell(record.get(column)) for column in columns]
            (quoting_writer if any("\r" in cell for cell in cells) else writer).writerow(cells)
            count += 1
    elif fmt == "jsonl":
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False, sort_keys=False))
            stream.write("\n")
            count += 1
    else:
        stream.write("[")
        for record in records:
            stream.write(",\n" if count else "\n")
            stream.write(json.dumps(record, ensure_ascii=False))
            count += 1
        stream.write("\n]\n")
    return count


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return escape_formula(json.dumps(value, ensure_ascii=False))
    return escape_formula(str(value))


def _quoted_formula(text: str) -> bool:
    """Text a spreadsheet would run, behind zero or more leading quotes."""
    return text.lstrip("'").startswith(FORMULA_TRIGGERS)


def escape_formula(text: str) -> str:
    if text.startswith("'") and _quoted_formula(text):
        return "'" + text
    if text.startswith(FORMULA_TRIGGERS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def unescape_formula(text: str) -> str:
    """The CSV reader's inverse of escape_formula."""
    return text[1:] if text.startswith("'") and _quoted_formula(text) else text
