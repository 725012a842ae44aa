"""``agency outreach validation-notice FILE --out PDF`` through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agency.cli import app
from tests.outreach.notices import EXAMPLE, example, pdf_text

runner = CliRunner()
# The tree under test, for the commands run in a fresh process.
ROOT = Path(__file__).resolve().parents[2]


def _run(description: Path, out: Path) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["outreach", "validation-notice", str(description), "--out", str(out)]
    )
    return result.exit_code, result.stdout, result.stderr


def test_the_example_prints_one_json_line_and_writes_the_pdf(tmp_path: Path) -> None:
    out = tmp_path / "notice.pdf"
    code, stdout, stderr = _run(EXAMPLE, out)
    assert (code, stderr) == (0, "")
    assert stdout.count("\n") == 1
    assert json.loads(stdout) == {"validation_end": "2026-08-08", "total_due": "987.00", "pages": 1}
    text = pdf_text(out.read_bytes())
    assert "Call or write to us by August 8, 2026, to dispute all or part of the debt." in text
    assert "Total amount of the debt now: $987.00" in text
    assert [p.name for p in tmp_path.iterdir()] == ["notice.pdf"]  # no temporary left


def test_total_due_has_the_currencys_digits(tmp_path: Path) -> None:
    doc = example()
    doc["debt"].update(
        currency="JPY",
        amount_on_itemization_date="150000",
        interest_since="0",
        fees_since="0",
        payments_since="0",
        credits_since="0",
    )
    description = tmp_path / "yen.json"
    description.write_text(json.dumps(doc))
    code, stdout, stderr = _run(description, tmp_path / "notice.pdf")
    assert code == 0, stderr
    assert json.loads(stdout)["total_due"] == "150000"


def test_an_existing_pdf_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "notice.pdf"
    out.write_bytes(b"old")
    assert _run(EXAMPLE, out)[0] == 0
    assert out.read_bytes().startswith(b"%PDF-")


def _invalid(tmp_path: Path, raw: bytes) -> tuple[Path, tuple[int, str, str]]:
    description = tmp_path / "notice.json"
    description.write_bytes(raw)
    out = tmp_path / "notice.pdf"
    return out, _run(description, out)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            json.dumps({**example(), "colour": "blue"}).encode(),
            "colour: unknown key",
        ),
        (
            json.dumps({**example(), "language": "fr"}).encode(),
            "language: must be en or es",
        ),
        (
            json.dumps(
                {**example(), "debt": {**example()["debt"], "fees_since": "25,00"}}
            ).encode(),
            "debt.fees_since: not an amount in USD",
        ),
        (b'{"sent_on": ', "not JSON: Expecting value at line 1 column 13"),
        (b" " * (64 * 1024 + 1), "larger than 64 KB"),
    ],
    ids=["unknown-key", "language", "amount", "not-json", "too-large"],
)
def test_a_bad_description_exits_2_with_one_line(tmp_path: Path, raw: bytes, message: str) -> None:
    out, (code, stdout, stderr) = _invalid(tmp_path, raw)
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"agency: {tmp_path / 'notice.json'}: {message}")
    assert stderr.count("\n") == 1
    assert not out.exists()


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    code, stdout, stderr = _run(tmp_path / "missing.json", tmp_path / "notice.pdf")
    assert (code, stdout) == (2, "")
    assert (
        stderr == f"agency: {tmp_path / 'missing.json'}: cannot read: No such file or directory\n"
    )
    code, _stdout, stderr = _run(tmp_path, tmp_path / "notice.pdf")  # a directory
    assert code == 2 and stderr.count("\n") == 1 and "cannot read" in stderr


def test_an_out_that_cannot_be_written_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "notice.pdf"
    code, stdout, stderr = _run(EXAMPLE, out)
    assert (code, stdout) == (2, "")
    assert stderr == f"agency: --out: cannot write {out}: No such file or directory\n"
    code, _stdout, stderr = _run(EXAMPLE, tmp_path)  # a directory
    assert code == 2 and stderr.startswith(f"agency: --out: cannot write {tmp_path}: ")
    assert list(tmp_path.iterdir()) == []


def _subprocess(argv: list[str], *, seed: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONHASHSEED": seed,
        "AGENCY_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, env=env, check=False
    )


def test_two_runs_write_the_same_bytes(tmp_path: Path) -> None:
    """Deterministic across processes too (hash seeds differ; no clock in the PDF)."""
    pdfs = []
    for seed in ("1", "2"):
        out = tmp_path / f"notice-{seed}.pdf"
        done = _subprocess(
            ["-m", "agency.cli", "outreach", "validation-notice", str(EXAMPLE), "--out", str(out)],
            seed=seed,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["pages"] == 1
        pdfs.append(out.read_bytes())
    assert pdfs[0] == pdfs[1]


def test_the_command_needs_no_database_and_agency_starts_without_reportlab(
    tmp_path: Path,
) -> None:
    heavy = ("alembic", "sqlalchemy", "fastapi", "starlette", "jinja2", "celery")
    probe = (
        "import sys, agency.cli\n"
        "lazy = ('reportlab', 'pypdf', 'agency.outreach.notice_input')\n"
        "early = [m for m in lazy if m in sys.modules]\n"
        "try:\n"
        f"    agency.cli.app(['outreach', 'validation-notice', {str(EXAMPLE)!r},"
        f" '--out', {str(tmp_path / 'n.pdf')!r}])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print(early, [m for m in {heavy!r} if m in sys.modules], file=sys.stderr)\n"
    )
    done = _subprocess(["-c", probe], seed="0")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[] []"
    assert (tmp_path / "n.pdf").exists()
