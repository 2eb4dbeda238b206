/**
 * lef-crm-sync: signed delivery to the CRM (Standard Webhooks scheme).
 *
 * Shared by form_webhook.gs and sheet_webhook.gs; paste it into the same Apps
 * Script project as either of them.
 *
 * Script properties (Project Settings > Script properties):
 *   CRM_WEBHOOK_URL     e.g. https://crm.example.org/webhooks/forms/lv
 *                       or   https://crm.example.org/webhooks/sheets/lv
 *   CRM_WEBHOOK_SECRET  the partner's secret, "whsec_..." (ask the CRM admin)
 *
 * The signature is HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>"
 * keyed with the base64-decoded secret, sent as "v1,<base64>". The CRM refuses
 * timestamps more than 5 minutes away, so the script never queues old requests.
 */

/** Sign and POST `payload` (an object) with `messageId` as webhook-id. */
function crmPost_(payload, messageId) {
  var props = PropertiesService.getScriptProperties();
  var url = props.getProperty('CRM_WEBHOOK_URL');
  var secret = props.getProperty('CRM_WEBHOOK_SECRET');
  if (!url || !secret) {
    throw new Error('Set CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET in the script properties.');
  }
  var bodyBytes = Utilities.newBlob(JSON.stringify(payload)).getBytes(); // UTF-8
  var lastCode = 0;
  for (var attempt = 1; attempt <= 3; attempt++) {
    // A fresh timestamp per attempt keeps retries inside the 5-minute window;
    // the same webhook-id makes them idempotent on the CRM side.
    var headers = crmSignatureHeaders_(secret, messageId, bodyBytes, Math.floor(Date.now() / 1000));
    var response = UrlFetchApp.fetch(url, {
      method: 'post',
      contentType: 'application/json',
      payload: bodyBytes,
      headers: headers,
      muteHttpExceptions: true,
      followRedirects: false
    });
    lastCode = response.getResponseCode();
    if (lastCode < 500) break;
    Utilities.sleep(2000 * attempt);
  }
  if (lastCode === 422) {
    // Not a valid lead: the CRM kept it for review (quarantine). Nothing to retry.
    console.warn('CRM kept submission ' + messageId + ' for review (HTTP 422).');
  } else if (lastCode >= 400) {
    console.error('CRM refused submission ' + messageId + ' (HTTP ' + lastCode + ').');
  }
  return lastCode;
}

/** The three Standard Webhooks headers for `bodyBytes` (Byte[]). */
function crmSignatureHeaders_(secret, messageId, bodyBytes, unixSeconds) {
  var timestamp = String(unixSeconds);
  var key = Utilities.base64Decode(secret.replace(/^whsec_/, ''));
  var prefix = Utilities.newBlob(messageId + '.' + timestamp + '.').getBytes();
  var signature = Utilities.computeHmacSha256Signature(prefix.concat(bodyBytes), key);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': 'v1,' + Utilities.base64Encode(signature)
  };
}
