"""The shipped Apps Scripts, run under Node with stand-ins for the Apps Script
services, produce requests the real app accepts (signature and payload)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from integration.store.models import Lead, SyncRequest

SCRIPTS = Path(__file__).resolve().parents[2] / "integration" / "appscript"

HARNESS = r"""
const fs = require('fs');
const vm = require('vm');
const crypto = require('crypto');
const [,, scriptDir, scenario, url, secret] = process.argv;
const signed = (buf) => Array.from(buf, (b) => (b > 127 ? b - 256 : b));
const unsigned = (arr) => Buffer.from(arr.map((b) => (b < 0 ? b + 256 : b)));
const sent = [];
const sandbox = {
  console,
  Utilities: {
    newBlob: (text) => ({ getBytes: () => signed(Buffer.from(text, 'utf8')) }),
    base64Decode: (text) => signed(Buffer.from(text, 'base64')),
    base64Encode: (bytes) => unsigned(bytes).toString('base64'),
    computeHmacSha256Signature: (value, key) =>
      signed(crypto.createHmac('sha256', unsigned(key)).update(unsigned(value)).digest()),
    sleep: () => {},
    getUuid: () => crypto.randomUUID(),
  },
  PropertiesService: {
    getScriptProperties: () => ({
      getProperty: (name) => ({ CRM_WEBHOOK_URL: url, CRM_WEBHOOK_SECRET: secret })[name],
    }),
  },
  CacheService: {
    getScriptCache: () => ({ get: () => null, put: () => {} }),
  },
  SpreadsheetApp: { getActive: () => ({ getId: () => 'sheet-123' }) },
  UrlFetchApp: {
    fetch: (target, options) => {
      sent.push({ url: target, headers: options.headers, contentType: options.contentType,
                  body: unsigned(options.payload).toString('base64') });
      return { getResponseCode: () => 201 };
    },
  },
};
vm.createContext(sandbox);
for (const name of ['crm_webhook_common.gs', 'form_webhook.gs', 'sheet_webhook.gs']) {
  vm.runInContext(fs.readFileSync(`${scriptDir}/${name}`, 'utf8'), sandbox, { filename: name });
}
if (scenario === 'form') {
  const items = [
    ['Uzņēmuma nosaukums', 'SIA Dārzs'], ['Valsts', 'Latvija'], ['Nozare', 'Zaļās tehnoloģijas'],
    ['Loma', ['Pārdevējs']], ['Piezīmes', 'Sveiki — “pēdiņas”'],
  ];
  sandbox.onFormSubmit({
    source: { getId: () => 'form-1' },
    response: {
      getId: () => '2_ABaOnudDemo',
      getTimestamp: () => new Date('2025-05-02T10:00:00Z'),
      getRespondentEmail: () => 'darzs@example.lv',
      getItemResponses: () => items.map(([title, answer]) => ({
        getItem: () => ({ getTitle: () => title }), getResponse: () => answer,
      })),
    },
  });
} else {
  sandbox.crmOnEdit({ range: { getSheet: () => ({ getName: () => 'Leads' }),
                               getA1Notation: () => 'B7' } });
}
process.stdout.write(JSON.stringify(sent));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def run_script(tmp_path: Path, scenario: str, url: str, secret: str) -> list[dict]:
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    done = subprocess.run(
        ["node", str(harness), str(SCRIPTS), scenario, url, secret],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


def replay(client, request: dict):  # type: ignore[no-untyped-def]
    import base64

    path = request["url"].split("://", 1)[1].split("/", 1)[1]
    return client.post(
        "/" + path,
        data=base64.b64decode(request["body"]),
        headers=request["headers"],
        content_type=request["contentType"],
    )


def test_form_script_delivery_creates_the_lead(tmp_path, client, lv_secret, store) -> None:
    sent = run_script(tmp_path, "form", "https://crm.example.org/webhooks/forms/lv", lv_secret)
    assert len(sent) == 1 and sent[0]["headers"]["webhook-id"] == "2_ABaOnudDemo"
    resp = replay(client, sent[0])
    assert resp.status_code == 201, resp.get_json()
    with store.session() as s:
        lead = s.get(Lead, resp.get_json()["id"])
        assert lead.data["company_name"] == "SIA Dārzs"
        assert lead.data["sector"] == "green_tech"
        assert lead.data["role"] == "seller"
        assert lead.data["email"] == "darzs@example.lv"
        assert lead.data["notes"] == "Sveiki — “pēdiņas”"
    assert replay(client, sent[0]).headers["Idempotent-Replayed"] == "true"


def test_sheet_script_notice_requests_a_sync(tmp_path, client, lv_secret, store) -> None:
    sent = run_script(tmp_path, "edit", "https://crm.example.org/webhooks/sheets/lv", lv_secret)
    resp = replay(client, sent[0])
    assert resp.status_code == 202, resp.get_json()
    with store.session() as s:
        assert [(r.partner, r.tab) for r in s.scalars(select(SyncRequest))] == [("lv", "leads")]


def test_script_signed_with_another_secret_is_refused(tmp_path, client) -> None:
    other = "whsec_" + "b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVkLTAx"
    sent = run_script(tmp_path, "form", "https://crm.example.org/webhooks/forms/lv", other)
    assert replay(client, sent[0]).status_code == 401
