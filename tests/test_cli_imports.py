"""`telco-churn`'s light paths import none of the heavy libraries: a command pays only for what it uses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pyspark", "mlflow", "pandas", "sklearn", "databricks.sdk", "pydantic")

# Parses the arguments as the console script does (--help exits), then lists which heavy
# libraries the process holds. A file-less child: only the code under test imports anything.
_PROBE = """
import json, sys
from telco_churn.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = %r
print(json.dumps(sorted(m for m in sys.modules if m in heavy)))
"""


def _heavy_imports(*argv: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE % (HEAVY,), *argv], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [(), ("--help",), ("promote", "--help"), ("models", "--help")],
                         ids=["no-command", "help", "promote-help", "models-help"])
def test_parsing_the_arguments_imports_no_heavy_library(argv):
    assert _heavy_imports(*argv) == []


def test_naming_an_unknown_job_imports_no_engine_and_no_mlflow():
    # The job table reads each job's typed config (pydantic), and nothing more.
    assert _heavy_imports("run", "no-such-job") == ["pydantic"]
