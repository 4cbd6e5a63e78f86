// Sign-in: trade the API key for a session cookie (POST /v1/session), then open the page for
// the key's role. Without this script the form still posts (never as a GET with the key in it).

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
    fail("Enter your API key.");
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
    fail(data.detail || `Sign-in failed (HTTP ${response.status}).`);
  } catch (err) {
    fail("The server cannot be reached. Check the connection and try again.");
  } finally {
    button.disabled = false;
  }
});

if (window.location.protocol === "http:" && !loopback(window.location.hostname)) {
  fail("This page is served over plain HTTP, so the browser will not keep the session. Use HTTPS.");
}
if (!error.hidden) input.setAttribute("aria-invalid", "true");
input.focus();
