"""Benchmark ``crm-sync validate``: the command on generated files, and its row path.

* **The command on files**: generated Latvian Leads exports (CSV at 100,000 and
  1,000,000 rows, XLSX at 100,000, a title above the header), checked by
  ``crm-sync validate`` as its own process, against only reading the same file
  row by row (``csv`` / openpyxl read-only): seconds, rows/s and peak resident MB
  side by side, as ratios. The goal: 1,000,000 rows under 300 MB, memory flat.
* **The row path**: per row ``check_row`` (normalise every cell, schema + formats
  + per-country registration codes, issues with localised messages) vs a bare
  ``Draft202012Validator(schema).iter_errors`` loop over the same rows already
  normalised (with and without jsonschema's ``FormatChecker``), in memory.

Prints a table and writes ``bench/results/validate_bench.md`` (a section not run
keeps its last results). Usage: ``python bench/validate_bench.py [--files
100000,100000:xlsx,1000000] [--rows 100000|0] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from run_info import RunInfo
from stdnum.az import voen
from stdnum.ee import registrikood
from stdnum.fi import ytunnus
from stdnum.lv import pvn

from integration.normalise import match_headers
from integration.validation.records import check_row
from schemas import load_schema

CHUNK = 1000
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "validate_bench.md"

HEADERS = {
    "lv": [
        "CRM ID",
        "Uzņēmums",
        "Valsts",
        "Reģ. nr.",
        "Nozare",
        "Loma",
        "Kontaktpersona",
        "E-pasts",
        "Tālrunis",
        "Mājaslapa",
        "Posms",
        "Avots",
        "Pasākums",
        "Piekrišana",
        "Piekrišanas datums",
        "Piezīmes",
        "Sync status",
        "Last synced",
    ],
    "et": [
        "CRM ID",
        "Ettevõte",
        "Riik",
        "Registrikood",
        "Sektor",
        "Roll",
        "Kontaktisik",
        "E-post",
        "Telefon",
        "Veebileht",
        "Etapp",
        "Allikas",
        "Üritus",
        "Nõusolek",
        "Nõusoleku kuupäev",
        "Märkused",
        "Sync status",
        "Last synced",
    ],
    "fi": [
        "CRM ID",
        "Yritys",
        "Maa",
        "Y-tunnus",
        "Toimiala",
        "Rooli",
        "Yhteyshenkilö",
        "Sähköposti",
        "Puhelin",
        "Verkkosivut",
        "Vaihe",
        "Lähde",
        "Tapahtuma",
        "Suostumus",
        "Suostumuspäivä",
        "Huomautukset",
        "Sync status",
        "Last synced",
    ],
}
COUNTRY_WORDS = {
    "lv": {"LV": "Latvija", "EE": "Igaunija", "FI": "Somija", "AZ": "Azerbaidžāna"},
    "et": {"LV": "Läti", "EE": "Eesti", "FI": "Soome", "AZ": "Aserbaidžaan"},
    "fi": {"LV": "Latvia", "EE": "Viro", "FI": "Suomi", "AZ": "Azerbaidžan"},
}
SECTOR_WORDS = {
    "lv": ["IKT", "Zaļās tehnoloģijas", "Izglītība", "Interjera dizains", "Cits"],
    "et": ["IKT", "Rohetehnoloogia", "Haridus", "Sisekujundus", "Muu"],
    "fi": ["ICT", "Vihreä teknologia", "Koulutus", "Sisustussuunnittelu", "Muu"],
}
ROLE_WORDS = {
    "lv": ["Pārdevējs", "Pircējs", "Abi"],
    "et": ["Müüja", "Ostja", "Mõlemad"],
    "fi": ["Myyjä", "Ostaja", "Molemmat"],
}
STAGE_WORDS = {
    "lv": ["Jauns", "Sazināts", "Tikšanās", "Sarunas"],
    "et": ["Uus", "Kohtumine", "Läbirääkimised", "Võidetud"],
    "fi": ["Uusi", "Tapaaminen", "Neuvottelu", "Menetetty"],
}
SOURCE_WORDS = {
    "lv": ["B2B forums", "Tirdzniecības misija", "Ieteikums"],
    "et": ["B2B foorum", "Veebivorm", "Soovitus"],
    "fi": ["B2B-foorumi", "Verkkolomake", "Suosittelu"],
}
YES_NO = {"lv": ["jā", "nē", ""], "et": ["jah", "ei", ""], "fi": ["kyllä", "ei", ""]}
CODE_MODULES = {"LV": (pvn, 11), "EE": (registrikood, 8), "FI": (ytunnus, 8), "AZ": (voen, 10)}
PHONES = {"LV": ("+371 2", 7), "EE": ("+372 5", 7), "FI": ("040 ", 7), "AZ": ("+994 50 ", 7)}
FIRST = ["Anna", "Jānis", "Mari", "Mikko", "Aigerim", "Elvin", "Liisa", "Pēteris", "Kaarel"]
LAST = ["Bērziņa", "Tamm", "Virtanen", "Aliyev", "Ozols", "Korhonen", "Mammadova", "Saar"]
WORDS = [
    "Baltic",
    "Nordic",
    "Caspian",
    "Amber",
    "Green",
    "Soft",
    "Wood",
    "Design",
    "Data",
    "Energy",
    "Learning",
    "Studio",
    "Systems",
    "Tech",
    "Solar",
    "Forest",
]
FORMS = {"LV": "SIA", "EE": "OÜ", "FI": "Oy", "AZ": "MMC"}


def valid_codes(rng: random.Random, country: str, count: int) -> list[str]:
    module, length = CODE_MODULES[country]
    found: list[str] = []
    while len(found) < count:
        digits = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(length - 1))
        if country == "LV":
            digits = "4" + digits[1:]
        if module.is_valid(digits):
            found.append(module.format(digits) if hasattr(module, "format") else digits)
    return found


def generate(rows: int, seed: int) -> dict[str, list[list[Any]]]:
    """Sheet rows per partner locale: about 5 % of rows carry one typing mistake."""
    tabs: dict[str, list[list[Any]]] = {loc: [HEADERS[loc]] for loc in HEADERS}
    for loc, row in generate_rows(rows, seed, list(HEADERS)):
        tabs[loc].append(row)
    return tabs


def generate_rows(rows: int, seed: int, locales: list[str]) -> Iterator[tuple[str, list[Any]]]:
    """``(locale, sheet row)`` one at a time, the locales taking turns (so a file of
    a million rows is written without holding them)."""
    rng = random.Random(seed)
    codes = {c: valid_codes(rng, c, 500) for c in CODE_MODULES}
    for n in range(rows):
        loc = locales[n % len(locales)]
        country = rng.choice(["LV", "EE", "FI", "AZ", "AZ"])
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
        prefix, width = PHONES[country]
        phone = prefix + "".join(str(rng.randint(0, 9)) for _ in range(width))
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2023, 2025)
        row: list[Any] = [
            f"L-{n + 1:06d}" if rng.random() < 0.8 else "",
            f"{FORMS[country]} {name}",
            COUNTRY_WORDS[loc][country],
            rng.choice(codes[country]) if rng.random() < 0.7 else "",
            rng.choice(SECTOR_WORDS[loc]),
            rng.choice(ROLE_WORDS[loc]),
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            f"contact{n}@{rng.choice(WORDS).lower()}-{n % 997}.example.com",
            phone,
            f"www.{rng.choice(WORDS).lower()}{n}.example.com",
            rng.choice(STAGE_WORDS[loc]),
            rng.choice(SOURCE_WORDS[loc]),
            "B2B forum Baku 2024",
            rng.choice(YES_NO[loc]),
            f"{day}.{month}.{year}" if rng.random() < 0.9 else f"{year}-{month:02d}-{day:02d}",
            "Met at the forum\u00a0- follow up." if rng.random() < 0.3 else "",
            "OK",
            "2025-03-01 02:00",
        ]
        if rng.random() < 0.05:  # one typing mistake
            slot = rng.choice([3, 4, 7, 8, 14])
            row[slot] = {3: "12345", 4: "Kalnrūpniecība", 7: "nobody@", 8: "12", 14: "31.02.2025"}[
                slot
            ]
        yield loc, row


def clear_caches() -> None:
    """Forget every per-value cache of the normalisers and format checks."""
    from integration import identity
    from integration.normalise import amounts, dates, phone
    from integration.validation import validators

    for cached in (
        amounts._parse_text,
        dates._parse_text,
        identity.registration_code_valid,
        identity.registration_key,
        phone._to_e164,
        validators._email_ok,
    ):
        cached.cache_clear()
    phone._known_e164.clear()


def row_path_section(args: argparse.Namespace) -> str:
    """Our row path vs a bare jsonschema loop over the same rows, in memory."""
    run = RunInfo.begin()

    tabs = generate(args.rows, args.seed)
    partner_of = {"lv": "lv", "et": "ee", "fi": "fi"}
    chunks: list[tuple[str, str, Any, list[list[Any]]]] = []
    for loc, rows in tabs.items():
        match = match_headers(rows[0], "lead")
        body = rows[1:]
        for start in range(0, len(body), CHUNK):
            chunks.append((loc, partner_of[loc], match, body[start : start + CHUNK]))

    schema = load_schema("lead")
    bare_validator = Draft202012Validator(schema)
    format_validator = Draft202012Validator(schema, format_checker=FormatChecker())

    # The paths take turns chunk by chunk, so a burst of load from other processes
    # on this shared machine hits all of them alike; the median of the repeats is kept.
    runs: dict[str, list[float]] = {"ours": [], "bare": [], "formats": []}
    invalid = 0
    for _ in range(args.repeat):
        clear_caches()  # every repeat parses cold: no look-ups of rows seen before
        spent = dict.fromkeys(runs, 0.0)
        invalid = 0
        for loc, partner, match, rows in chunks:
            start = time.perf_counter()
            records = []
            for row in rows:
                record, issues = check_row("lead", match.row_to_raw(row), loc, partner=partner)
                records.append(record)
                invalid += bool(issues)
            spent["ours"] += time.perf_counter() - start
            for name, validator in (("bare", bare_validator), ("formats", format_validator)):
                start = time.perf_counter()
                for record in records:
                    list(validator.iter_errors(record))
                spent[name] += time.perf_counter() - start
        for name in runs:
            runs[name].append(spent[name])
    median = {name: statistics.median(times) for name, times in runs.items()}
    per_run = ", ".join(f"{o / b:.2f}x" for o, b in zip(runs["ours"], runs["bare"], strict=True))
    run.finish()

    count = args.rows
    ours_result = ("ours: normalise + validate", median["ours"], count)
    bare_result = ("bare jsonschema loop", median["bare"], count)
    fmt_result = ("bare jsonschema loop + FormatChecker", median["formats"], count)

    base = bare_result[1]
    lines = [
        f"## The row path ({args.rows:,} generated lead rows, seed {args.seed})",
        "",
        run.line(),
        "",
        f"{invalid:,} rows ({invalid / max(args.rows, 1):.1%}) reported invalid by our path; "
        f"paths interleaved in chunks of {CHUNK:,} rows, median of {args.repeat} runs, "
        "value caches cleared before each run.",
        "",
        "| path | seconds | rows/s | cost vs bare loop |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, seconds, count in (ours_result, bare_result, fmt_result):
        lines.append(
            f"| {label} | {seconds:.2f} | {count / seconds:,.0f} | {seconds / base:.2f}x |"
        )
    ratio = ours_result[1] / base
    verdict = "meets" if ratio <= 3 else "misses"
    lines += [
        "",
        f"Our full path costs {ratio:.2f}x the bare loop: {verdict} the goal of <= 3x "
        f"(each run: {per_run}).",
    ]
    return "\n".join(lines) + "\n"


def write_lead_file(path: Path, rows: int, seed: int) -> Path:
    """A Latvian Leads export of ``rows`` generated rows (a title above the
    header, as chambers keep them), as CSV or XLSX by ``path``'s suffix, written
    row by row."""
    title = ["LEF Network Azerbaijan — kontakti"]
    body = (row for _loc, row in generate_rows(rows, seed, ["lv"]))
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Kontakti")
        for row in (title, [], HEADERS["lv"]):
            sheet.append(row)
        for row in body:
            sheet.append(row)
        workbook.save(path)
        return path
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerows([title, [], HEADERS["lv"]])
        writer.writerows(body)
    return path


#: The baseline: only reading the same file row by row (csv / openpyxl read-only),
#: the floor under any check of it.
_BARE_READ = """
import csv, sys
path = sys.argv[1]
count = 0
if path.endswith(".xlsx"):
    from openpyxl import load_workbook
    book = load_workbook(path, read_only=True, data_only=True)
    for _row in book.worksheets[0].iter_rows(values_only=True):
        count += 1
else:
    with open(path, encoding="utf-8", newline="") as handle:
        for _row in csv.reader(handle, delimiter=";"):
            count += 1
print(count)
"""


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    exit_code: int


def measure(command: list[str]) -> Measured:
    """Wall time and peak resident memory of ``command`` as its own process."""
    env = {k: v for k, v in os.environ.items() if k not in ("CRM_CONFIG", "DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    return Measured(
        time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)
    )


def file_section(args: argparse.Namespace) -> str:
    """``crm-sync validate`` on generated files of each size, as its own process,
    vs only reading the same file: rows/s and peak MB side by side."""
    run = RunInfo.begin()
    table = [
        "| file | rows | output | ours s | ours rows/s | ours peak MB "
        "| read-only s | read-only peak MB | time vs read | peak vs read |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    worst_peak = 0.0
    with tempfile.TemporaryDirectory(prefix="validate_bench_") as folder:
        for spec in args.files.split(","):
            rows, _, suffix = spec.strip().partition(":")
            count, suffix = int(rows), (suffix or "csv")
            path = write_lead_file(Path(folder) / f"leads_{count}.{suffix}", count, args.seed)
            bare = measure([sys.executable, "-c", _BARE_READ, str(path)])
            outputs = [("--errors-only",)]
            if count <= args.json_up_to:
                outputs.append(("--json",))
            for output in outputs:
                ours = measure(
                    [
                        *(sys.executable, "-m", "integration.cli", "validate", str(path)),
                        *("--kind", "lead", "--partner", "lv", *output),
                    ]
                )
                if ours.exit_code not in (0, 1):
                    raise SystemExit(f"validate failed on {path} (exit {ours.exit_code})")
                worst_peak = max(worst_peak, ours.peak_mb) if count >= 1_000_000 else worst_peak
                table.append(
                    f"| {suffix.upper()} | {count:,} | {' '.join(output)} | {ours.seconds:.1f} "
                    f"| {count / ours.seconds:,.0f} | {ours.peak_mb:.0f} | {bare.seconds:.1f} "
                    f"| {bare.peak_mb:.0f} | {ours.seconds / bare.seconds:.1f}x "
                    f"| {ours.peak_mb / bare.peak_mb:.2f}x |"
                )
                print(table[-1], flush=True)
            path.unlink()
    run.finish()
    lines = [
        f"## The command on files (generated Latvian Leads exports, seed {args.seed})",
        "",
        run.line(),
        "",
        "`crm-sync validate FILE --kind lead --partner lv` as its own process, output to "
        "/dev/null; the read-only baseline only reads the same file row by row. Peak MB is "
        "the process's peak resident memory (ru_maxrss).",
        "",
        *table,
    ]
    if worst_peak:
        verdict = "meets" if worst_peak < 300 else "misses"
        lines += [
            "",
            f"At 1,000,000 rows the peak is {worst_peak:.0f} MB: {verdict} the goal of < 300 MB.",
        ]
    return "\n".join(lines) + "\n"


def merged_results(previous: str, sections: dict[str, str]) -> str:
    """The results file with the sections run now replaced and the others kept."""
    kept: dict[str, str] = {}
    for part in previous.split("\n## ")[1:]:
        kept["## " + part.split(" (", 1)[0].split("\n", 1)[0]] = "## " + part.rstrip() + "\n"
    for heading, text in sections.items():
        kept[heading] = text
    order = ["## The command on files", "## The row path"]
    body = "\n".join(kept[h] for h in order if h in kept)
    return "# validate_bench\n\n" + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="row path rows (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; the median is kept")
    parser.add_argument(
        "--files",
        default="100000,100000:xlsx,1000000",
        help="file sizes (rows[:csv|xlsx], comma-separated; empty: skip)",
    )
    parser.add_argument(
        "--json-up-to", type=int, default=100_000, help="also time --json up to this many rows"
    )
    args = parser.parse_args(argv)
    sections = {}
    if args.files:
        sections["## The command on files"] = file_section(args)
    if args.rows:
        sections["## The row path"] = row_path_section(args)
    previous = RESULTS.read_text("utf-8") if RESULTS.exists() else ""
    text = merged_results(previous, sections)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
