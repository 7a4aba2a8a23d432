"""The shape of a CSV file, checked before it is ingested: encoding, delimiter, header, field counts.

The file is streamed (a decoder, then pyarrow's incremental reader, a few MiB at a time), so
memory stays bounded whatever its size. pyarrow does not say on which line a row breaks, so when a check
fails a second, plain-Python pass over the file finds the line numbers; good files never
pay for it.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

from telco_churn.contracts.report import CheckOutcome, ValidationReport

BLOCK_BYTES = 8 << 20  # pyarrow reads this much at a time
HEADER_BYTES = 1 << 20  # a header longer than this is not a header
LINES_SHOWN = 5
OTHER_DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str


@dataclass
class _Scan:
    rows: int = 0
    bad_rows: int = 0
    repeated_headers: int = 0
    undecodable: bool = False


def check_csv(path: Path, fmt: CsvFormat, required: list[str], key: str) -> tuple[ValidationReport, int]:
    """The report on the file's shape and its number of data rows (0 if a check failed early)."""
    report = ValidationReport(f"CSV file {path}")
    header, problem = _read_header(path, fmt)
    if problem:
        report.add(CheckOutcome("header", "error", 1, 1, problem, counted=False))
        return report, 0
    missing = [c for c in required if c not in header]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    report.add(CheckOutcome("header: required columns", "error", len(required), len(missing),
                            f"required column(s) missing from the header: {', '.join(missing)}{_delimiter_hint(header, fmt)}"))
    report.add(CheckOutcome("header: unique names", "error", len(header), len(duplicated),
                            f"column name(s) used more than once: {', '.join(duplicated)}"))
    if missing or duplicated:
        return report, 0
    scan = _scan(path, fmt, header, key)
    if scan.undecodable or scan.bad_rows or scan.repeated_headers:
        _report_lines(report, path, fmt, header)
        if not report.errors:  # the two readers disagree: refuse rather than guess
            report.add(CheckOutcome("field count", "error", scan.rows, scan.bad_rows or 1,
                                    "row(s) that pyarrow could not parse (no line found by the line pass)"))
    else:
        for check, problem in _line_problems(fmt, len(header)).items():
            report.add(CheckOutcome(check, "error", scan.rows, 0, problem))
    report.add(CheckOutcome("data rows", "error", scan.rows, 0 if scan.rows else 1,
                            "the file has a header only, no data row", counted=False))
    return report, scan.rows


def _read_header(path: Path, fmt: CsvFormat) -> tuple[list[str], str | None]:
    """The header's fields, or ([], what is wrong with the file's first line)."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(HEADER_BYTES)
    except OSError as exc:
        return [], f"cannot read the file ({exc.strerror or exc})"
    if not first.strip():
        return [], "the file is empty" if not first else "line 1 (the header) is blank"
    try:
        line = first.decode(fmt.encoding)
    except UnicodeDecodeError as exc:
        return [], f"line 1 (the header) is not valid {fmt.encoding}: byte {first[exc.start]:#04x} at byte {exc.start + 1}"
    except LookupError:
        return [], f"unknown encoding '{fmt.encoding}'"
    fields = next(csv.reader([line.rstrip("\r\n")], delimiter=fmt.delimiter), [])
    return [f.strip() for f in fields], None


def _delimiter_hint(header: list[str], fmt: CsvFormat) -> str:
    if len(header) != 1:
        return ""
    counts = {d: header[0].count(d) for d in OTHER_DELIMITERS if d != fmt.delimiter}
    likely = max(counts, key=counts.get)
    return f" (the header is one field; is the delimiter {likely!r}, not {fmt.delimiter!r}?)" if counts[likely] else ""


def _scan(path: Path, fmt: CsvFormat, header: list[str], key: str) -> _Scan:
    """Two streamed passes: the bytes decode, then rows, rows of the wrong field count, repeated headers."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    scan = _Scan(undecodable=not _decodes(path, fmt.encoding))
    if scan.undecodable:
        return scan

    def bad_row(_row) -> str:
        scan.bad_rows += 1
        return "skip"

    # Only the key column is converted: every field is still counted, at a third of the cost.
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=fmt.encoding, block_size=BLOCK_BYTES, skip_rows=1, column_names=header),
        parse_options=pacsv.ParseOptions(delimiter=fmt.delimiter, invalid_row_handler=bad_row),
        convert_options=pacsv.ConvertOptions(column_types={key: pa.string()}, include_columns=[key],
                                             strings_can_be_null=False, quoted_strings_can_be_null=False))
    for batch in reader:
        scan.rows += batch.num_rows
        scan.repeated_headers += pc.sum(pc.equal(pc.utf8_trim_whitespace(batch.column(key)), key)).as_py() or 0
    return scan


def _decodes(path: Path, encoding: str) -> bool:
    """True if the whole file is text in encoding; read a block at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while block := handle.read(BLOCK_BYTES):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _line_problems(fmt: CsvFormat, width: int) -> dict[str, str]:
    return {"encoding": f"line(s) that are not valid {fmt.encoding}",
            "field count": f"line(s) without the header's {width} fields",
            "repeated header": "line(s) repeating the header"}


def _report_lines(report: ValidationReport, path: Path, fmt: CsvFormat, header: list[str]) -> None:
    """Line numbers of undecodable lines, lines of the wrong field count and repeated headers."""
    width = len(header)
    found: dict[str, list[tuple[int, str]]] = {kind: [] for kind in _line_problems(fmt, width)}
    counts = dict.fromkeys(found, 0)
    lines = 0
    with path.open("rb") as raw:
        raw.readline()
        for number, line, fields in _lines(raw, fmt):
            lines += 1
            if fields is None:
                kind, shown = "encoding", line
            elif len(fields) != width:
                kind, shown = "field count", f"{len(fields)} field(s): {line[:80]!r}"
            elif [f.strip() for f in fields] == header:
                kind, shown = "repeated header", repr(line[:80])
            else:
                continue
            counts[kind] += 1
            if len(found[kind]) < LINES_SHOWN:
                found[kind].append((number, shown))
    for kind, problem in _line_problems(fmt, width).items():
        where = found[kind]
        example = None
        if where:
            numbers = ", ".join(str(n) for n, _ in where) + (", ..." if counts[kind] > len(where) else "")
            example = f"line(s) {numbers}; line {where[0][0]}: {where[0][1]}"
        report.add(CheckOutcome(kind, "error", lines, counts[kind], problem, example))


def _lines(raw, fmt: CsvFormat):
    """(line number, text, fields or None if the line is not decodable), one physical line at a time."""
    number = 1
    for chunk in raw:
        number += 1
        try:
            text = chunk.decode(fmt.encoding)
        except UnicodeDecodeError as exc:
            yield number, f"byte {chunk[exc.start]:#04x} at byte {exc.start + 1} of the line", None
            continue
        stripped = text.rstrip("\r\n")
        if stripped:  # blank lines are skipped, by pyarrow and by Spark alike
            # One physical line is one row: a quoted newline breaks the row, as it does for
            # Spark's CSV reader (multiLine off), which reads the file afterwards.
            yield number, stripped, next(csv.reader([stripped], delimiter=fmt.delimiter), [])
