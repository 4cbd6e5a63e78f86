// Sign-in: trade the API key for a session cookie (POST /v1/session), then open the page for
// the key's role. Without this script the form still posts (never as a GET with the key in it).
import { LANG, problemText, t } from "./common.js";

// The API's refusals, said in the page's language (the same messages as the no-script path).
const REFUSALS = { 401: "signin.error.invalid", 403: "signin.error.role", 429: "signin.error.busy" };

const form = document.getElementById("signin");
const input = document.getElementById("key");
const error = document.getElementById("key-error");

function loopback(host) {
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

function fail(message) {
  error.textContent = message;
  error.hidden = false;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = input.value.trim();
  if (!key) {
    fail(t("signin.error.empty"));
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch("/v1/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ key }),
    });
    const data = await response.json().catch(() => ({}));
    if (response.ok) {
      input.value = "";
      window.location.assign(data.home);
      return;
    }
    const known = REFUSALS[response.status];
    fail(known && LANG !== "en" ? t(known) : problemText({ status: response.status, data }));
  } catch (err) {
    fail(t("signin.error.unreachable"));
  } finally {
    button.disabled = false;
  }
});

if (window.location.protocol === "http:" && !loopback(window.location.hostname)) {
  fail(t("signin.error.plain_http"));
}
if (!error.hidden) input.setAttribute("aria-invalid", "true");
input.focus();
