// The team's policy editor. The API is the validator: the form sends what was typed, and each
// message of a 422 (`errors[].loc`) is shown next to its field. Nothing here is redrawn by the
// dashboard's refresh, so a lead's half-typed change is never lost.
import { api, problemText } from "./common.js";

const $ = (id) => document.getElementById(id);

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
      $("policy-status").textContent = "Back to the saved policy.";
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
      input.value = value === undefined || value === null ? "" : String(value);
    }
  }

  /** What was typed; an empty field is left out, so it goes back to its default. */
  read() {
    const body = {};
    for (const input of this.inputs()) {
      const raw = input.value.trim();
      if (raw === "") continue;
      const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw; // the API says what is wrong
      const [first, second] = input.dataset.loc.split(".");
      if (second) body[first] = { ...(body[first] || {}), [second]: value };
      else body[first] = value;
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
        unplaced.push(`${loc || "policy"}: ${error.msg}`);
        continue;
      }
      input.setAttribute("aria-invalid", "true");
      const slot = this.errorSlot(input);
      slot.textContent = error.msg;
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
    status.textContent = "Saving…";
    const result = await api("PUT", this.url, this.read());
    if (result.ok) {
      this.accept(result.data);
      status.textContent = "Saved. The scheduler uses it from the next claim.";
      return;
    }
    status.textContent = "Not saved: see the messages next to the fields.";
    if (result.status === 422 && result.data && Array.isArray(result.data.errors)) {
      this.showErrors(result.data.errors);
    } else {
      $("policy-error").textContent = problemText(result);
      $("policy-error").hidden = false;
    }
  }
}
