/**
 * lef-crm-sync: send every Google Form response to the CRM as a new lead.
 *
 * Paste into the form's script editor (Extensions > Apps Script) together with
 * crm_webhook_common.gs, set the script properties described there (URL
 * .../webhooks/forms/<partner>), then run `crmInstallFormTrigger` once.
 *
 * The form response id is the webhook-id, so a retried delivery never creates
 * a second lead. Question titles are matched like sheet headers, in English,
 * Latvian, Estonian or Finnish ("Company name", "Uzņēmuma nosaukums",
 * "Ettevõtte nimi", "Yrityksen nimi", ...); other questions are ignored.
 */

/** Installable "On form submit" trigger handler. */
function onFormSubmit(e) {
  var response = e.response;
  var answers = response.getItemResponses().map(function (itemResponse) {
    return { title: itemResponse.getItem().getTitle(), answer: itemResponse.getResponse() };
  });
  var payload = {
    source: 'google-forms',
    form_id: e.source.getId(),
    response_id: response.getId(),
    submitted_at: response.getTimestamp().toISOString(),
    respondent_email: response.getRespondentEmail() || null,
    answers: answers
  };
  return crmPost_(payload, response.getId());
}

/** Run once from the editor: creates the installable trigger (asks for consent). */
function crmInstallFormTrigger() {
  var form = FormApp.getActiveForm();
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    if (trigger.getHandlerFunction() === 'onFormSubmit') ScriptApp.deleteTrigger(trigger);
  });
  ScriptApp.newTrigger('onFormSubmit').forForm(form).onFormSubmit().create();
}
