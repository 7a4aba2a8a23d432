"""Bad customers files stop data-ingest with a message naming the file, line or column, the count
and an example, and leave every table at its Delta version (issue 12's table and more)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from telco_churn.errors import DataValidationError
from telco_churn.paths import DATA_FILE

TABLES = ("bronze", "features", "labels", "reference")
ROWS = 300
RAW = pd.read_csv(DATA_FILE, dtype=str, keep_default_na=False).head(ROWS)
KEY = RAW.customerID  # an example names the smallest key among the rows that break a check


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return RAW


@pytest.fixture(scope="module")
def built(runtime, raw, tmp_path_factory):
    """Every table built once from good data; no case below may change any of them."""
    from tests.conftest import Sandbox

    box = Sandbox(runtime, "ingest_bad_input")
    good = tmp_path_factory.mktemp("good") / "good.csv"
    raw.to_csv(good, index=False)
    box.build_features(good)
    return box


def _versions(box) -> dict[str, int]:
    return {key: box.delta_version(key) for key in TABLES}


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def _set(column: str, rows: list[int], value: str):
    def change(df: pd.DataFrame) -> str:
        df = df.copy()
        df.loc[rows, column] = value
        return _csv_text(df)
    return change


def _lines(change):
    """A change to the file's lines (0 is the header)."""
    def apply(df: pd.DataFrame) -> str:
        lines = _csv_text(df).splitlines()
        return "\n".join(change(lines)) + "\n"
    return apply


def _drop_fields(lines: list[str]) -> list[str]:
    lines[3] = ",".join(lines[3].split(",")[:5])  # line 4 of the file: 5 of its 21 fields
    return lines


def _repeat_header(lines: list[str]) -> list[str]:
    return [*lines[:10], lines[0], *lines[10:]]  # the header again at line 11, as `cat a.csv b.csv` does


def _with_duplicates(df: pd.DataFrame) -> str:
    dupes = df.head(3)
    return _csv_text(pd.concat([df, dupes, dupes.head(1)], ignore_index=True))


def _rename(old: str, new: str):
    return lambda df: _csv_text(df.rename(columns={old: new}))


# (case, file content from the good rows, bytes instead of text, expected message words)
CASES = [
    # The table, row by row.
    ("label Maybe", _set("Churn", [4], "Maybe"),
     [rf"Churn: label: 1 label value\(s\) other than \['Yes', 'No'\], e.g. 'Maybe' \(customerID {KEY[4]}\)"]),
    ("MonthlyCharges inf", _set("MonthlyCharges", [0, 7], "inf"),
     [rf"MonthlyCharges: finite: 2 non-finite value\(s\) \(inf or NaN\), e.g. 'inf' \(customerID {min(KEY[0], KEY[7])}\)"]),
    ("MonthlyCharges NaN", _set("MonthlyCharges", [0], "NaN"), [r"MonthlyCharges: finite: 1 non-finite value\(s\) \(inf or NaN\), e.g. 'NaN'"]),
    ("negative tenure", _set("tenure", [0], "-3"), [rf"tenure: range: 1 value\(s\) below 0, e.g. '-3' \(customerID {KEY[0]}\)"]),
    ("5 of 21 fields", _lines(_drop_fields), [r"field count: 1 line\(s\) without the header's 21 fields, e.g. line\(s\) 4; line 4: 5 field\(s\)"]),
    ("semicolons", lambda df: df.to_csv(index=False, sep=";"),
     [r"header: required columns: \d+ required column\(s\) missing from the header: customerID, gender", r"is the delimiter ';', not ','\?"]),
    ("missing column", lambda df: _csv_text(df.drop(columns=["tenure", "Contract"])),
     [r"header: required columns: 2 required column\(s\) missing from the header: tenure, Contract"]),
    # Six more of our own.
    ("empty file", lambda df: "", [r"header: the file is empty"]),
    ("header only", lambda df: _csv_text(df.head(0)), [r"data rows: the file has a header only, no data row"]),
    ("undecodable bytes", lambda df: _csv_text(df).encode().replace(b"Female", b"F\xe9male", 2),
     [r"encoding: 2 line\(s\) that are not valid utf-8, e.g. line\(s\) 2, \d+; line 2: byte 0xe9"]),
    ("header line repeated", _lines(_repeat_header), [r"repeated header: 1 line\(s\) repeating the header, e.g. line\(s\) 11;"]),
    ("column name repeated", _rename("Partner", "gender"), [r"header: unique names: 1 column name\(s\) used more than once: gender"]),
    ("quoted comma", _set("PaymentMethod", [2], "Credit card, automatic"),
     [r"PaymentMethod: domain: 1 value\(s\) not in \[.*\], e.g. 'Credit card, automatic'"]),
    ("unquoted comma", _lines(lambda lines: [*lines[:2], lines[2].replace("Mailed check", "Mailed, check"), *lines[3:]]),
     [r"field count: 1 line\(s\) without the header's 21 fields, e.g. line\(s\) 3; line 3: 22 field\(s\)"]),
    ("duplicate keys", _with_duplicates,
     [rf"customerID: unique: 4 extra row\(s\) with a repeated key, e.g. customerID '{KEY[0]}' appears 3 times \(3 key\(s\) repeat\)"]),
    ("text in a number", _set("MonthlyCharges", [5, 9], "n/a"), [r"MonthlyCharges: type: 2 value\(s\) that are not a number, e.g. 'n/a'"]),
    ("blank label", _set("Churn", [1, 2], " "), [r"Churn: blank: 2 blank value\(s\)"]),
    ("SeniorCitizen 2", _set("SeniorCitizen", [3], "2"), [r"SeniorCitizen: domain: 1 value\(s\) not in \[0, 1\], e.g. '2'"]),
    ("unknown category", _set("Contract", [3, 4, 5], "Three year"), [r"Contract: domain: 3 value\(s\) not in .*, e.g. 'Three year'"]),
    ("fractional tenure", _set("tenure", [6], "1.5"), [r"tenure: integer: 1 value\(s\) with a fraction, e.g. '1.5'"]),
]


@pytest.mark.parametrize("case,content,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_refused_and_nothing_changes(built, raw, tmp_path, case, content, expected):
    path = tmp_path / "customers.csv"
    data = content(raw)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    before = _versions(built)
    with pytest.raises(DataValidationError) as error:
        built.job("data-ingest", "--set", f"source={path}", "--set", "mode=overwrite")
    message = str(error.value)
    assert str(path) in message and "Nothing was written" in message
    for words in expected:
        assert re.search(words, message), f"{words!r} not in: {message}"
    assert _versions(built) == before


def test_windows_line_endings_are_valid(sandbox, raw, tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(raw.to_csv(index=False, lineterminator="\r\n").encode())
    assert sandbox.job("data-ingest", "--set", f"source={path}") == ROWS
    bronze = sandbox.read("bronze")
    assert len(bronze) == ROWS and not bronze.apply(lambda c: c.str.contains("\r")).any().any()
    assert list(bronze.columns) == list(raw.columns)


def test_bad_file_fails_the_process_with_exit_code_1(built, raw, tmp_path):
    path = Path(tmp_path / "bad.csv")
    path.write_text(_set("Churn", [4], "Maybe")(raw))
    before = _versions(built)
    assert built.main("data-ingest", "--set", f"source={path}", "--set", "mode=overwrite") == 1
    assert _versions(built) == before


def test_a_declared_encoding_is_read_as_declared_or_refused(sandbox, raw, tmp_path):
    path = tmp_path / "latin1.csv"
    frame = raw.copy()
    frame.loc[0, "customerID"] = "7590-VHV\u00c9G"  # an É, one byte in latin-1, not valid UTF-8
    path.write_bytes(_csv_text(frame).encode("latin-1"))
    # Undeclared, the bytes are not UTF-8: refused, naming the line.
    with pytest.raises(DataValidationError, match=r"encoding: 1 line\(s\) that are not valid utf-8, e.g. line\(s\) 2; "
                                                  r"line 2: byte 0xc9"):
        sandbox.job("data-ingest", "--set", f"source={path}")
    try:
        rows = sandbox.job("data-ingest", "--set", f"source={path}", "--set", "encoding=latin-1")
    except DataValidationError as error:
        # Sail 0.7.2 ignores Spark's `encoding` option: refused, never stored as mojibake.
        assert "the engine did not read the file as latin-1: 1 row(s)" in str(error) and "iconv" in str(error)
        assert not sandbox.runtime.lakehouse.exists(sandbox.table("bronze"))
        return
    assert rows == ROWS and "7590-VHV\u00c9G" in set(sandbox.read("bronze").customerID)
