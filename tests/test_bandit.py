"""bandit, the static security lint, over labo/: the suite (and so `make
test` and CI) fails on any HIGH-severity finding. A finding that is not a
flaw is marked on its line with `# nosec BXXX` and the reason; lower ones
are printed, for the record."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT


@pytest.mark.static  # reads the code, not the database: the SQLite pass runs it, the PostgreSQL pass leaves it out
def test_bandit_finds_no_high_severity_issue_in_labo():
    run = subprocess.run(
        [sys.executable, "-m", "bandit", "--recursive", "labo", "--format", "json", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: some finding, of any severity
    report = json.loads(run.stdout)
    assert not report["errors"], report["errors"]
    assert report["metrics"]["_totals"]["loc"] > 5000  # it did read the code
    findings = report["results"]
    print("\nbandit: " + ", ".join(f"{severity}: {n}" for severity, n in
                                    sorted(Counter(f["issue_severity"] for f in findings).items())))
    for f in findings:
        print(f"  {f['issue_severity']:6} {f['test_id']} {f['filename']}:{f['line_number']} {f['issue_text']}")
    high = [f for f in findings if f["issue_severity"] == "HIGH"]
    assert not high, "\n".join(f"{f['filename']}:{f['line_number']} {f['test_id']} {f['issue_text']}" for f in high)
