"""The benchmark suite runs end to end in its quick mode (speed is measured by `make bench`,
never asserted here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, superuser_url


def test_bench_quick_mode_writes_a_full_report(tmp_path: Path) -> None:
    report = tmp_path / "performance.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env["ATLAS_BENCH_DATABASE_URL"] = superuser_url()
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(report)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = report.read_text()
    for heading in (
        "## Results against the targets",
        "The projects list (20 rows), three ways",
        "## 3. Tenant-count scaling",
        "## 4. Write path",
        "## 5. Footprint",
        "## 6. One large workspace",
        "## 7. The books",
        "### Reports over many journal lines",
    ):
        assert heading in text
    large_rows = [line for line in text.splitlines() if line.startswith(("| API |", "| page |"))]
    assert len(large_rows) > 40, large_rows
    for kind in ("| dashboard | dashboard |", "| form | new invoice form |"):
        assert any(line.startswith(kind) for line in text.splitlines()), kind
    assert "errors)" not in text  # every request of the large-workspace case answered 200
    assert "transactions/s" in text
    for row in ("| shipped, two workers |", "| raw, two workers |"):
        assert any(line.startswith(row) for line in text.splitlines()), row
    assert "| API efficiency on two workers: shipped ÷ raw, requests/s |" in text
    assert "| database CPU per request: shipped (guard + query) ÷ baseline (bare query) |" in text
    assert "### Where the time goes" in text
    assert "| a round trip (`SELECT 1`) |" in text  # the statement-by-statement split
    assert "Invoice numbers gapless: yes; their entries' numbers gapless: yes." in text
    report_rows = [line for line in text.splitlines() if line.startswith("| trial balance |")]
    assert len(report_rows) == 3, report_rows
    write_rows = [line for line in text.splitlines() if line.startswith("| one project")]
    assert write_rows
    assert write_rows[0].endswith("| 0 | yes |"), write_rows
