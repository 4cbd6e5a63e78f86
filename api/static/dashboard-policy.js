// The team's policy editor. The API is the validator: the form sends what was typed, and each
// message of a 422 (`errors[].loc`) is shown next to its field. Nothing here is redrawn by the
// dashboard's refresh, so a lead's half-typed change is never lost.
import { LANG, api, number, problemText, t } from "./common.js";

const $ = (id) => document.getElementById(id);

// The decimal mark of the page's language ("," in French and Spanish): shown in the fields and
// accepted back, so "0,7" means 0.7 whatever the language.
const DECIMAL = (1.5).toLocaleString(LANG).charAt(1);

// The API's field messages are pydantic's, in English. An English page shows them as they are;
// another language says the usual ones in its own words and shows any other in English.
const FIELD_MESSAGES = [
  [/^Input should be greater than or equal to (-?[\d.]+)$/, "policy.error.greater_than_equal"],
  [/^Input should be greater than (-?[\d.]+)$/, "policy.error.greater_than"],
  [/^Input should be less than or equal to (-?[\d.]+)$/, "policy.error.less_than_equal"],
  [/^Input should be less than (-?[\d.]+)$/, "policy.error.less_than"],
  [/^Input should be a valid integer/, "policy.error.integer"],
  [/^Input should be a valid number/, "policy.error.number"],
];

function fieldMessage(msg) {
  if (LANG === "en") return msg;
  for (const [pattern, key] of FIELD_MESSAGES) {
    const found = pattern.exec(msg);
    if (found) return t(key, { limit: found[1] === undefined ? "" : number(Number(found[1])) });
  }
  return t("policy.error.english", { message: msg });
}

export class PolicyForm {
  constructor(team, onSaved) {
    this.url = `/v1/teams/${encodeURIComponent(team)}/policy`;
    this.onSaved = onSaved;
    this.saved = null;
    this.form = $("policy");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    $("policy-reset").addEventListener("click", () => {
      this.clearErrors();
      if (this.saved) this.fill(this.saved);
      $("policy-status").textContent = t("policy.undone");
    });
  }

  inputs() {
    return [...this.form.querySelectorAll("input[data-loc]")];
  }

  errorSlot(input) {
    return $(`e-${input.id.slice(2)}`);
  }

  async load() {
    const result = await api("GET", this.url);
    if (result.ok) this.accept(result.data);
    return this.saved;
  }

  accept(policy) {
    this.saved = policy;
    this.fill(policy);
    this.onSaved(policy);
  }

  fill(policy) {
    for (const input of this.inputs()) {
      const [first, second] = input.dataset.loc.split(".");
      const value = second ? policy[first][second] : policy[first];
      input.value = value === undefined || value === null ? "" : String(value).replace(".", DECIMAL);
    }
  }

  /** What was typed; an empty field is left out, so it goes back to its default. */
  read() {
    const body = {};
    for (const input of this.inputs()) {
      let raw = input.value.trim();
      if (/^-?\d+,\d+$/.test(raw)) raw = raw.replace(",", ".");
      if (raw === "") continue;
      const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw; // the API says what is wrong
      const [first, second] = input.dataset.loc.split(".");
      if (second) body[first] = { ...(body[first] || {}), [second]: value };
      else body[first] = value;
    }
    // Fields this form has no inputs for (issue 18's view defaults and playback speeds) go back
    // as they are: a PUT replaces the policy, and saving here must not reset them.
    for (const kept of ["view_defaults", "playback_rate"]) {
      if (this.saved && this.saved[kept] !== undefined && !(kept in body)) body[kept] = this.saved[kept];
    }
    return body;
  }

  clearErrors() {
    $("policy-error").hidden = true;
    for (const input of this.inputs()) {
      input.removeAttribute("aria-invalid");
      const slot = this.errorSlot(input);
      slot.hidden = true;
      slot.textContent = "";
    }
  }

  showErrors(errors) {
    const unplaced = [];
    let first = null;
    for (const error of errors) {
      const loc = (error.loc || []).join(".");
      const input = this.form.querySelector(`input[data-loc="${CSS.escape(loc)}"]`);
      if (!input) {
        unplaced.push(t("policy.error.field", { field: loc || "policy", message: fieldMessage(error.msg) }));
        continue;
      }
      input.setAttribute("aria-invalid", "true");
      const slot = this.errorSlot(input);
      slot.textContent = fieldMessage(error.msg);
      slot.hidden = false;
      first = first || input;
    }
    if (unplaced.length) {
      $("policy-error").textContent = unplaced.join(" ");
      $("policy-error").hidden = false;
    }
    if (first) first.focus();
  }

  async save() {
    this.clearErrors();
    const status = $("policy-status");
    status.textContent = t("policy.saving");
    const result = await api("PUT", this.url, this.read());
    if (result.ok) {
      this.accept(result.data);
      status.textContent = t("policy.saved");
      return;
    }
    status.textContent = t("policy.not_saved");
    if (result.status === 422 && result.data && Array.isArray(result.data.errors)) {
      this.showErrors(result.data.errors);
    } else {
      $("policy-error").textContent = problemText(result);
      $("policy-error").hidden = false;
    }
  }
}
