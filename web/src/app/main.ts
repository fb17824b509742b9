import { ApiError, ServiceClient, type ModelDescription } from "../shared/api.js";
import { askForKey, forgetKey, storedKey } from "./api-key.js";
import { setUpCsvPanel } from "./csv-panel.js";
import { typicalLead } from "../shared/typical-lead.js";
import { renderFields, writeInstance } from "./lead-form.js";
import { LiveScore } from "./live-score.js";
import { renderModelPanel } from "./model-panel.js";
import { clearError, showError } from "./status.js";

/**
 * The page: find the served model (asking for an API key if the service wants one), build the
 * form from its fields, score the typical lead, and set up the file and model panels.
 */
const client = new ServiceClient("", storedKey);

async function describeWithKey(): Promise<ModelDescription> {
  for (;;) {
    try {
      return await client.describeModel();
    } catch (error) {
      const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
      if (!refused) throw error;
      if (storedKey() !== undefined) showError(error);
      forgetKey();
      await askForKey(document.getElementById("key-form") as HTMLFormElement);
      clearError();
    }
  }
}

async function start(): Promise<void> {
  const model = await describeWithKey();
  document.getElementById("model-line")!.textContent =
    `${model.name} ${model.version}: the probability that a lead converts, and why.`;
  const form = document.getElementById("lead-form") as HTMLFormElement;
  renderFields(document.getElementById("fields")!, model.fields);
  const live = new LiveScore(client, model, form);
  const reset = () => {
    writeInstance(form, model.fields, typicalLead(model.fields, model.explainBaseline ?? {}));
    live.schedule();
  };
  document.getElementById("reset")!.addEventListener("click", reset);
  document.getElementById("main")!.hidden = false;
  reset();
  setUpCsvPanel(client, model);
  await renderModelPanel(client, model);
}

start().catch(showError);
