"""A partner's own headers and header rows in the partners file: loaded onto the
partner, and a mistake stops start-up with the file, the key and the reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from integration.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"
#: the EE partner's table ends with this line in the example file
EE_LAST = 'webhook_secret_env = "EE_WEBHOOK_SECRET"\n'


def _with_ee(tmp_path: Path, extra: str) -> Path:
    text = EXAMPLE.read_text("utf-8")
    assert EE_LAST in text
    path = tmp_path / "partners.toml"
    path.write_text(text.replace(EE_LAST, EE_LAST + extra, 1), "utf-8")
    return path


def test_columns_and_header_rows_reach_the_partner(tmp_path: Path) -> None:
    path = _with_ee(
        tmp_path,
        '[partners.columns.leads]\n"Kood (äriregister)" = "registration_code"\n'
        '[partners.columns.agreements]\n"Müüja firma" = "seller_id"\n'
        "[partners.header_row]\nleads = 3\nagreements = 2\n",
    )
    config = load_config(path, environ={})
    ee = config.partner("ee")
    assert ee.columns == {
        "leads": {"Kood (äriregister)": "registration_code"},
        "agreements": {"Müüja firma": "seller_id"},
    }
    assert ee.header_row == {"leads": 3, "agreements": 2}
    assert config.partner("lv").columns == {} and config.partner("lv").header_row == {}


@pytest.mark.parametrize(
    ("extra", "key", "reason"),
    [
        (
            '[partners.columns.leads]\n"Kood (äriregister)" = "regcode"\n',
            'partners[1].columns.leads."Kood (äriregister)"',
            "'regcode' is not a field of the leads tab",
        ),
        (
            # an agreement's parties are seller_id/buyer_id; a lead field is no agreement field
            '[partners.columns.agreements]\n"Ostja" = "company_name"\n',
            'partners[1].columns.agreements."Ostja"',
            "'company_name' is not a field of the agreements tab",
        ),
        (
            '[partners.columns.leads]\n"Kood" = "registration_code"\n"KOOD" = "email"\n',
            'partners[1].columns.leads."KOOD"',
            "reads the same as 'Kood'",
        ),
        (
            '[partners.columns.leads]\n"--" = "email"\n',
            'partners[1].columns.leads."--"',
            "needs letters or digits",
        ),
        (
            '[partners.columns.contacts]\n"Nimi" = "company_name"\n',
            "partners[1].columns",
            "'contacts' was unexpected",
        ),
        ("[partners.header_row]\nleads = 0\n", "partners[1].header_row.leads", "minimum of 1"),
        ('[partners.header_row]\nleads = "3"\n', "partners[1].header_row.leads", "not of type"),
    ],
)
def test_a_bad_mapping_stops_start_up_with_file_key_and_reason(
    tmp_path: Path, extra: str, key: str, reason: str
) -> None:
    path = _with_ee(tmp_path, extra)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: "), message
    assert reason in message, message


def test_an_unknown_field_is_one_line_from_the_cli(tmp_path: Path) -> None:
    path = _with_ee(tmp_path, '[partners.columns.leads]\n"Kood" = "regcode"\n')
    result = subprocess.run(
        [sys.executable, "-m", "integration.cli", "--config", str(path), "db", "current"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert str(path) in line and 'columns.leads."Kood"' in line and "'regcode'" in line
