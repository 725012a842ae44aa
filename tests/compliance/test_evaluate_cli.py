"""``agency compliance evaluate SCENARIO.json`` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agency.cli import app

EXAMPLE = Path(__file__).parent / "scenarios" / "example.json"
runner = CliRunner()


def _run(path: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["compliance", "evaluate", str(path)])
    return result.exit_code, result.stdout, result.stderr


def test_the_example() -> None:
    code, out, err = _run(EXAMPLE)
    assert code == 0, err
    assert json.loads(out) == {
        "allowed": False,
        "blocked_by": ["US-REGF-INCONVENIENT"],
        "next_allowed_at": "2025-06-09T17:00:00Z",
        "rule_set": "2026.1",
        "timezones": ["America/Chicago"],
    }
    assert err == ""


def _variant(tmp_path: Path, change: object) -> Path:
    data = json.loads(EXAMPLE.read_text())
    change(data)  # type: ignore[operator]
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["consumer"].update(favourite_colour="blue"),
            "consumer.favourite_colour: unknown key",
        ),
        (lambda d: d["attempt"].pop("contact_point"), "attempt.contact_point: is required"),
        (lambda d: d["attempt"].update(at="2025-06-09 15:00"), "attempt.at: needs a UTC offset"),
        (lambda d: d["history"][0].update(at="yesterday"), "history[0].at: not an ISO 8601 time"),
        (
            lambda d: d["consumer"]["contact_points"][0].update(kind="cell"),
            "consumer.contact_points[0].kind: must be one of mobile, home, work, other",
        ),
    ],
)
def test_invalid_scenarios_exit_2_with_one_line(
    tmp_path: Path, change: object, message: str
) -> None:
    code, out, err = _run(_variant(tmp_path, change))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"consumer": ')
    code, _out, err = _run(path)
    assert code == 2
    assert "not JSON" in err and err.count("\n") == 1


def test_unreadable_file(tmp_path: Path) -> None:
    code, _out, err = _run(tmp_path / "missing.json")
    assert code == 2
    assert "cannot read" in err and err.count("\n") == 1
    code, _out, err = _run(tmp_path)  # a directory
    assert code == 2 and err.count("\n") == 1


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"consumer": "\xe9"}')
    code, _out, err = _run(path)
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "the JSON is nested deeper than 32 levels"),
        (b'{"consumer": {"region": "I\\u0000L"}}', "consumer.region: contains a NUL character"),
        (b'{"now": 1e1000000000}', "now: is a number with an exponent beyond ±40"),
    ],
    ids=["deep", "nul", "huge-number"],
)
def test_json_beyond_bounds_exits_2_with_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "scenario.json"
    path.write_bytes(content)
    code, out, err = _run(path)
    assert (code, out) == (2, "")
    assert err == f"agency: {path}: {message}\n"


def test_a_file_too_large_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_bytes(b" " * (10 * 2**20 + 1))
    code, _out, err = _run(path)
    assert code == 2
    assert err == f"agency: {path}: larger than 10 MB\n"


def test_several_files_give_one_line_each_in_order(tmp_path: Path) -> None:
    later = _variant(tmp_path, lambda d: d["attempt"].update(at="2025-06-09T18:00:00Z"))
    alone = [_run(path)[1].strip() for path in (EXAMPLE, later)]
    result = runner.invoke(app, ["compliance", "evaluate", str(EXAMPLE), str(later)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == alone
    assert alone[0] != alone[1]


def test_a_bad_file_among_several_is_named_and_stops_the_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = runner.invoke(app, ["compliance", "evaluate", str(EXAMPLE), str(bad), str(EXAMPLE)])
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.startswith(f"agency: {bad}: ")


def test_the_command_line_starts_without_the_database_and_web_stacks() -> None:
    """`agency compliance evaluate` needs the engine only: Alembic, SQLAlchemy, the web
    app, the holiday tables and the ZIP data set are imported when a command uses them."""
    heavy = ("alembic", "sqlalchemy", "fastapi", "starlette", "jinja2", "celery", "holidays")
    probe = f"import sys, agency.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
