"""`telco-churn`'s light paths import none of the heavy libraries: a command pays only for what it uses."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pyspark", "mlflow", "pandas", "sklearn", "databricks.sdk", "pydantic")
PARSE_ONLY = [[], ["--help"], ["promote", "--help"], ["models", "--help"], ["story", "--help"]]

# One process runs the commands one after the other, as the console script would (--help exits),
# and lists the heavy libraries it holds after each: what one imported stays for the next, so a
# list that is still empty after the last proves that none of them imported one.
_PROBE = """
import json, sys
from telco_churn.cli import main
held = []
for argv in json.loads(sys.argv[1]):
    try:
        main(argv)
    except SystemExit:
        pass
    held.append(sorted(m for m in sys.modules if m in %r))
print(json.dumps(held))
"""


def _heavy_imports_after_each(commands: list[list[str]]) -> list[list[str]]:
    done = subprocess.run([sys.executable, "-c", _PROBE % (HEAVY,), json.dumps(commands)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_parsing_the_arguments_imports_no_heavy_library_and_an_unknown_job_no_engine():
    held = _heavy_imports_after_each([*PARSE_ONLY, ["run", "no-such-job"]])
    assert held[:len(PARSE_ONLY)] == [[]] * len(PARSE_ONLY)
    # The job table reads each job's typed config (pydantic), and nothing more.
    assert held[-1] == ["pydantic"]
