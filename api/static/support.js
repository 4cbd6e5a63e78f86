// The counsellor's page (issue 19): the team's open support requests, polled every few seconds so
// a new one shows at once, and its check-ins (mood and note), read on demand. Only a counsellor's
// session reaches this page, and every read is written to the audit log by the server.
import { ago, api, bindSignOut, el, keyboardScroll, problemText, t, timeOfDay } from "./common.js";

const $ = (id) => document.getElementById(id);
const config = document.body.dataset;
const REFRESH_MS = Number(config.refresh) * 1000;
const team = encodeURIComponent(config.team);
const say = (message) => {
  $("status").textContent = message;
};

let known = null; // request ids already shown, to announce only new ones

async function close(request, button) {
  button.disabled = true;
  const result = await api("POST", `/v1/support/${encodeURIComponent(request.id)}/close`);
  if (!result.ok && result.status !== 404) {
    button.disabled = false;
    say(problemText(result));
    return;
  }
  say(t("support.closed", { reviewer: request.reviewer }));
  await requests();
}

function requestItem(request) {
  const item = el("li", null, "card support-request");
  const head = el("p");
  head.append(el("strong", request.reviewer), " ", el("span", t("support.asked", { ago: ago(request.created_at), time: timeOfDay(request.created_at) }), "facts"));
  item.append(head);
  item.append(el("p", request.note || t("support.no_note")));
  const button = el("button", t("support.close"));
  button.type = "button";
  button.setAttribute("aria-label", t("support.close_label", { reviewer: request.reviewer }));
  button.addEventListener("click", () => close(request, button));
  item.append(button);
  return item;
}

async function requests() {
  const result = await api("GET", `/v1/support?team=${team}&limit=200`);
  if (!result.ok) {
    say(problemText(result));
    return;
  }
  const rows = result.data.data;
  const fresh = known ? rows.filter((r) => !known.has(r.id)) : [];
  known = new Set(rows.map((r) => r.id));
  $("requests").replaceChildren(...rows.map(requestItem));
  $("no-requests").hidden = rows.length > 0;
  if (fresh.length) say(t("support.new_request", { reviewer: fresh[0].reviewer }));
  $("updated").textContent = t("support.updated", { time: timeOfDay(new Date().toISOString()) });
}

async function checkins() {
  const result = await api("GET", `/v1/checkins?team=${team}&limit=200`);
  if (!result.ok) {
    say(problemText(result));
    return;
  }
  const rows = result.data.data;
  const body = $("checkins").tBodies[0];
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = el("tr");
      const mood = el("td", `${row.mood} · ${t(`checkin.mood.${row.mood}`)}`);
      if (row.mood <= 2) mood.append(" ", el("span", t("support.low"), "badge"));
      tr.append(el("th", row.reviewer), el("td", ago(row.at)), mood, el("td", row.note || "–"));
      tr.firstChild.scope = "row";
      return tr;
    }),
  );
  $("no-checkins").hidden = rows.length > 0;
}

async function start() {
  bindSignOut();
  keyboardScroll(document.querySelector(".table-wrap"));
  $("checkins-refresh").addEventListener("click", () => checkins());
  await Promise.all([requests(), checkins()]);
  setInterval(requests, REFRESH_MS);
}

start();
