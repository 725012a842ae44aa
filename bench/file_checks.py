"""The preview of an uploaded referral file, against reading the same file raw, in one run.

    python bench/file_checks.py [--quick] [--timeout 300]

Builds four files and, for each, in a child process whose peak RSS comes from wait4:

- **ours**: what an upload does below the web layer: ``open_file_placement`` (checksum,
  detection, the stored copy) then ``refresh_preview`` (``check_file``: the first
  PREVIEW_ROWS rows validated, the rest counted), on a migrated SQLite database;
- **baseline**: the file read raw: every row through the ``csv`` module, or every row of
  the sheet through openpyxl (read-only, values only) — what any reader of the whole file
  pays.

Files (``--quick``: the same shapes, smaller):

1. ``large.csv``: 197 MiB, 1,017,885 valid US accounts (22 columns, intake.py's
   generator), just under the upload limit;
2. ``rows.xlsx``: 1,000,000 rows of three columns, a unique reference each (22 MB,
   26 MB of shared strings), written as Excel writes (shared strings, a date style, a
   ``<dimension>``);
3. ``bomb.xlsx``: a shared-strings bomb, 10,000,000 one-letter strings (0.4 MB);
4. ``wide.csv``: a header of 100,000 columns and one row (0.9 MB).

A run that passes ``--timeout`` seconds is stopped and reported as such.  Prints a table,
then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

BENCH = Path(__file__).resolve().parent
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_PACKAGE}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
        f'Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{NS}" xmlns:r="{_OFFICE}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE}/relationships">'
        f'<Relationship Id="rId1" Type="{_OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{_OFFICE}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{NS}"><fonts count="1"><font><sz val="11"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/>'
        '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" xfId="0"/>'
        '<xf numFmtId="14" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>'
    ),
}


def write_xlsx(path: Path, rows: int) -> None:
    """``rows`` accounts (reference, principal, itemization date) as Excel writes them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<worksheet xmlns="{NS}"><dimension ref="A1:C{rows + 1}"/><sheetData>'
                '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                '<c r="C1" t="s"><v>2</v></c></row>'.encode()
            )
            for start in range(0, rows, 10_000):
                sheet.write(
                    "".join(
                        f'<row r="{n + 2}"><c r="A{n + 2}" t="s"><v>{n + 3}</v></c>'
                        f'<c r="B{n + 2}"><v>{100 + n % 900}.25</v></c>'
                        f'<c r="C{n + 2}" s="1"><v>{46000 + n % 300}</v></c></row>'
                        for n in range(start, min(rows, start + 10_000))
                    ).encode()
                )
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(
                f'<sst xmlns="{NS}"><si><t>client_reference</t></si><si><t>principal</t></si>'
                "<si><t>itemization_date</t></si>".encode()
            )
            for start in range(0, rows, 10_000):
                strings.write(
                    "".join(
                        f"<si><t>X{n:08d}</t></si>" for n in range(start, min(rows, start + 10_000))
                    ).encode()
                )
            strings.write(b"</sst>")


def write_bomb(path: Path, strings: int) -> None:
    """A valid workbook whose shared-strings part is ``strings`` one-letter strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
            "</row></sheetData></worksheet>",
        )
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{NS}">'.encode())
            chunk = b"<si><t>a</t></si>" * 100_000
            for _ in range(strings // 100_000):
                part.write(chunk)
            part.write(b"</sst>")


def write_csv(path: Path, mib: int) -> None:
    """Valid accounts (intake.py's generator) up to about ``mib`` MiB."""
    sys.path.insert(0, str(BENCH))
    from intake import generate

    generate(path, max(1, mib * 1024 * 1024 // 205))


def write_wide(path: Path, columns: int) -> None:
    path.write_text(
        ",".join(f"c{n}" for n in range(columns)) + "\n" + ",".join("1" for _ in range(columns))
    )


# ---- what each child process runs -------------------------------------------------------


def raw(path: Path) -> dict[str, object]:
    """Every row of the file, read raw."""
    if path.suffix == ".csv":
        import csv

        csv.field_size_limit(sys.maxsize)
        with path.open(newline="", encoding="utf-8") as stream:
            rows = sum(1 for _ in csv.reader(stream))
        return {"rows": rows - 1}
    from openpyxl import load_workbook

    with path.open("rb") as stream:
        book = load_workbook(stream, read_only=True, data_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        book.close()
    return {"rows": rows - 1}


def ours(path: Path) -> dict[str, object]:
    """An upload's work below the web layer: open the placement, check the file."""
    from agency.clients import service as clients_service
    from agency.db import get_sessionmaker
    from agency.referrals import file_placements, previewing
    from agency.referrals.models import PlacementSource
    from agency.referrals.reading import Unreadable

    db = get_sessionmaker()()
    try:
        client = clients_service.get_client_by_code(db, code="BENCH")
        assert client is not None
        placement, _ = file_placements.open_file_placement(
            db,
            client=client,
            path=path,
            file_name=path.name,
            source=PlacementSource.UPLOAD,
            layout=None,
            user_id=None,
        )
        preview = previewing.refresh_preview(db, placement=placement, client=client)
        return {
            "rows": preview["total_rows"],
            "checked": preview["checked_rows"],
            "preview_kb": round(len(json.dumps(preview)) / 1024),
        }
    except Unreadable as exc:
        return {"refused": str(exc)}
    finally:
        db.rollback()
        db.close()


def setup_database(folder: Path) -> dict[str, str]:
    """A migrated SQLite database with the BENCH client; the environment for children."""
    env = {
        **os.environ,
        # the children import agency from this checkout (or from PYTHONPATH when given)
        "PYTHONPATH": os.environ.get("PYTHONPATH") or str(BENCH.parent),
        "AGENCY_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "AGENCY_UPLOAD_DIR": str(folder / "uploads"),
        "AGENCY_BROKER_URL": "memory://",
        "AGENCY_LOG_LEVEL": "WARNING",
        "AGENCY_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "AGENCY_PII_KEY": "bench-pii-key-0123456789abcdef0123456789",
    }
    script = (
        "from datetime import date\n"
        "from decimal import Decimal\n"
        "from alembic import command\n"
        "from agency.db import alembic_config\n"
        "from agency.db import session_scope\n"
        "from agency.clients import service\n"
        "from agency.clients.schemas import ClientForm, ContractForm\n"
        "command.upgrade(alembic_config(), 'head')\n"
        "with session_scope() as db:\n"
        "    c = service.save_client(db, data=ClientForm(code='BENCH', name='Bench', "
        "legal_name='Bench Inc.', industry='Card', country='US', currency='USD', is_active=True))\n"
        "    service.save_contract(db, client=c, data=ContractForm(reference='B-1', "
        "currency='USD', contingency_rate=Decimal(25), settlement_floor=Decimal(60), "
        "effective_from=date(2020, 1, 1)))\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    return env


def measure(
    kind: str, path: Path, env: dict[str, str], timeout: float
) -> tuple[float, float, dict[str, object]]:
    """(seconds, peak RSS in MB, what the child said) for one child run: the seconds the
    child measured itself (the interpreter's start and imports left out)."""
    out = path.with_suffix(f".{kind}.json")
    with out.open("wb") as stdout:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", kind, str(path)],
            env=env,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                child.kill()
                _, status, usage = os.wait4(child.pid, 0)
                return timeout, usage.ru_maxrss / 1024, {"stopped": f"after {timeout:.0f} s"}
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    said: dict[str, object] = (
        json.loads(out.read_text()) if child.returncode == 0 else {"failed": child.returncode}
    )
    seconds = said.pop("seconds", elapsed)
    return (
        float(seconds) if isinstance(seconds, int | float) else elapsed,
        usage.ru_maxrss / 1024,
        said,
    )


def files(folder: Path, quick: bool) -> Iterator[tuple[str, Path]]:
    csv_path, xlsx_path = folder / "large.csv", folder / "rows.xlsx"
    bomb_path, wide_path = folder / "bomb.xlsx", folder / "wide.csv"
    write_csv(csv_path, 4 if quick else 199)
    yield "csv", csv_path
    write_xlsx(xlsx_path, 50_000 if quick else 1_000_000)
    yield "xlsx", xlsx_path
    write_bomb(bomb_path, 1_000_000 if quick else 10_000_000)
    yield "bomb", bomb_path
    write_wide(wide_path, 10_000 if quick else 100_000)
    yield "wide", wide_path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small files, same code path")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per child run")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, name = args.child
        if kind == "ours":  # imports are not the file check's time
            import agency.clients.service
            import agency.db
            import agency.referrals.file_placements
            import agency.referrals.previewing  # noqa: F401
        started = time.perf_counter()
        said = (raw if kind == "raw" else ours)(Path(name))
        print(json.dumps({**said, "seconds": round(time.perf_counter() - started, 2)}))
        return

    result: dict[str, object] = {"bench": "file_checks", "quick": args.quick}
    print(
        f"{'file':<7}{'MB':>8}  {'baseline s':>10}{'MB RSS':>8}  {'ours s':>8}{'MB RSS':>8}  ours"
    )
    with tempfile.TemporaryDirectory() as folder:
        env = setup_database(Path(folder))
        for name, path in files(Path(folder), args.quick):
            size = path.stat().st_size / 1e6
            base_s, base_mb, base = measure("raw", path, env, args.timeout)
            ours_s, ours_mb, said = measure("ours", path, env, args.timeout)
            shown = said.get("refused") or said.get("stopped") or said.get("failed")
            summary = shown or f"{said.get('rows'):,} rows, {said.get('checked'):,} checked"
            print(
                f"{name:<7}{size:>8.1f}  {base_s:>10.2f}{base_mb:>8.0f}  "
                f"{ours_s:>8.2f}{ours_mb:>8.0f}  {summary}"
            )
            result[name] = {
                "mb": round(size, 2),
                "baseline_s": round(base_s, 2),
                "baseline_rss_mb": round(base_mb),
                "baseline": base,
                "ours_s": round(ours_s, 2),
                "ours_rss_mb": round(ours_mb),
                "ours": said,
                "ratio": round(base_s / ours_s, 3) if ours_s else None,
            }
            path.unlink()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
