/**
 * lef-crm-sync: tell the CRM that the partner spreadsheet changed, so the next
 * sync runs within the debounce window instead of at night.
 *
 * Paste into the spreadsheet's script editor (Extensions > Apps Script)
 * together with crm_webhook_common.gs, set the script properties described
 * there (URL .../webhooks/sheets/<partner>), then run `crmInstallSheetTriggers`
 * once. The handlers are deliberately not named onEdit/onChange: a simple
 * trigger may not call other services, and would run a second time.
 *
 * Only a notice is sent (which tab, which range), never cell values. Notices
 * are throttled to one per tab every 5 seconds; the CRM waits for edits to
 * settle before syncing anyway.
 */

var CRM_THROTTLE_SECONDS = 5;

/** Installable "On edit" trigger handler. */
function crmOnEdit(e) {
  var sheet = e.range.getSheet();
  crmNotify_({ event: 'edit', sheet: sheet.getName(), range: e.range.getA1Notation() });
}

/** Installable "On change" trigger handler (rows/columns inserted or removed, ...). */
function crmOnChange(e) {
  crmNotify_({ event: 'change', change_type: e.changeType });
}

function crmNotify_(notice) {
  var cache = CacheService.getScriptCache();
  var throttleKey = 'crm-notice-' + (notice.sheet || '*');
  if (cache.get(throttleKey)) return;
  cache.put(throttleKey, '1', CRM_THROTTLE_SECONDS);
  notice.spreadsheet_id = SpreadsheetApp.getActive().getId();
  notice.at = new Date().toISOString();
  crmPost_(notice, Utilities.getUuid());
}

/** Run once from the editor: creates both installable triggers (asks for consent). */
function crmInstallSheetTriggers() {
  var spreadsheet = SpreadsheetApp.getActive();
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    var name = trigger.getHandlerFunction();
    if (name === 'crmOnEdit' || name === 'crmOnChange') ScriptApp.deleteTrigger(trigger);
  });
  ScriptApp.newTrigger('crmOnEdit').forSpreadsheet(spreadsheet).onEdit().create();
  ScriptApp.newTrigger('crmOnChange').forSpreadsheet(spreadsheet).onChange().create();
}
