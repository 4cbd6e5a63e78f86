// The lead's dashboard: who needs help first, the queues, the alerts, the team's policy. It
// refreshes itself with fetch; nothing the lead is typing or focusing is redrawn under them.
import {
  ago,
  api,
  bindSignOut,
  doseBar,
  duration,
  el,
  keyboardScroll,
  number,
  problemText,
  syncClock,
  LANG,
  plural,
  t,
  timeOfDay,
} from "./common.js";
import { refreshHeat } from "./dashboard-heat.js";
import { PolicyForm } from "./dashboard-policy.js";

const config = document.body.dataset;
const TEAM = config.team;
const REFRESH_MS = Number(config.refresh) * 1000;
const HEAT_REFRESH_MS = Number(config.heatRefresh) * 1000;
// Alert types and reviewer states with a message in the catalogue (alert.<type>,
// alert.explain.<type>, dashboard.state.<state>); anything newer shows its API name.
const ALERTS = new Set(["budget_exceeded", "low_mood", "break_overdue", "sla_at_risk"]);
const STATES = new Set(["available", "reviewing", "on_break"]);
const alertName = (type) => (ALERTS.has(type) ? t(`alert.${type}`) : type);

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

let policy = null; // the team's, for "needs attention" (work limit, low-mood threshold)
let rows = [];
let knownAlerts = null; // ids seen, to announce only new ones
let alertKey = "";

function say(message) {
  $("status").textContent = message;
}

// ---------------------------------------------------------------- reviewers

function needsAttention(row) {
  // A low check-in shows as its alert: the mood itself is the counsellor's, never on this page.
  const longStretch = policy && row.continuous_work_seconds >= policy.max_continuous_work_seconds;
  return row.alerts.length > 0 || row.used_fraction >= 0.8 || Boolean(longStretch);
}

/** Open alerts first, then the most budget used, then the longest stretch of work. */
function byNeed(a, b) {
  return (
    b.alerts.length - a.alerts.length ||
    b.used_fraction - a.used_fraction ||
    b.continuous_work_seconds - a.continuous_work_seconds ||
    a.id.localeCompare(b.id)
  );
}

function doseCell(dose, budget, label) {
  const td = el("td", null, "dose-cell");
  td.append(doseBar(dose, budget, { width: 96, height: 12, label }));
  const text = el("span", `${number(dose)} / ${number(budget)}`);
  text.setAttribute("aria-hidden", "true"); // the bar's own label says it in full
  td.append(text);
  if (dose >= budget) td.append(el("span", t("dashboard.over_budget"), "over"));
  return td;
}

function stateText(row) {
  const name = STATES.has(row.state) ? t(`dashboard.state.${row.state}`) : row.state;
  return row.state === "on_break" && row.break_until
    ? t("dashboard.state_until", { state: name, time: timeOfDay(row.break_until) })
    : name;
}

// Each cell carries its column's name: on a phone the table reflows into one block per
// reviewer, and the names are shown beside the values (app.css, `td::before`).
const COLUMNS = [...document.querySelectorAll("#reviewers thead th")].map((th) => th.textContent.trim());

function reviewerRow(row) {
  const tr = el("tr");
  tr.dataset.reviewer = row.id;
  const attention = needsAttention(row);
  if (attention) tr.classList.add("attention");
  const name = el("th", row.id);
  name.scope = "row";
  if (attention) name.append(el("span", t("dashboard.needs_attention"), "badge"));
  const busy = row.continuous_work_seconds || row.state === "reviewing";
  const working = el("td", busy ? duration(row.continuous_work_seconds) : "–");
  if (policy && row.continuous_work_seconds >= policy.max_continuous_work_seconds) {
    working.append(el("span", t("dashboard.past_limit"), "over"));
  }
  const worked = el("td", row.work ? duration(row.work.today_seconds) : "–");
  if (row.work && row.work.left_seconds <= 0) worked.append(el("span", t("dashboard.limit_reached"), "over"));
  const mood = row.last_checkin ? ago(row.last_checkin.at) : "–"; // when, never how
  const alerts = el("td", null, "alerts-cell");
  const list = el("ul", null, "inline-alerts");
  for (const alert of row.alerts) list.append(el("li", alertName(alert.type)));
  alerts.append(row.alerts.length ? list : el("span", t("dashboard.no_open_alerts")));
  tr.append(
    name,
    el("td", stateText(row)),
    doseCell(row.dose.day, row.budget.day, t("dose.today")),
    doseCell(row.dose.week, row.budget.week, t("dose.week")),
    el("td", row.avoided ? number(row.avoided.week) : "–", "num"),
    el("td", number(row.consecutive_severe), "num"),
    working,
    worked,
    el("td", ago(row.last_break_at)),
    el("td", mood),
    alerts,
  );
  [...tr.children].forEach((cell, i) => {
    if (i > 0) cell.dataset.label = COLUMNS[i];
  });
  return tr;
}

/** The team's week next to its dose: severe-minutes taken and severe-minutes avoided (matches,
 * groups and confirmations without a reveal spared them; docs/dose.md). */
function renderTeam(data, team) {
  if (!team || !team.avoided) return;
  const dose = data.reduce((sum, row) => sum + row.dose.week, 0);
  $("team-avoided").textContent = t("dashboard.team_week", {
    dose: number(dose),
    avoided: number(team.avoided.week),
  });
}

function renderReviewers(data) {
  rows = [...data].sort(byNeed);
  const body = document.querySelector("#reviewers tbody");
  body.replaceChildren(...rows.map(reviewerRow));
  const count = rows.filter(needsAttention).length;
  const total = number(rows.length);
  $("reviewers-note").textContent = count
    ? t("dashboard.reviewers_note.some", { count: number(count), total })
    : t("dashboard.reviewers_note.none", { total });
}

// ---------------------------------------------------------------- queues and alerts

function renderQueues(data) {
  const body = document.querySelector("#queues tbody");
  body.replaceChildren(
    ...data.map((queue) => {
      const tr = el("tr");
      const name = el("th", queue.name);
      name.scope = "row";
      const risk = queue.at_risk
        ? el("td", plural("dashboard.at_risk", queue.at_risk_items), "risk")
        : el("td", t("dashboard.on_track"), "ontrack");
      tr.append(
        name,
        el("td", number(queue.depth), "num"),
        el("td", number(queue.severe_depth), "num"),
        el("td", queue.oldest_age_seconds ? duration(queue.oldest_age_seconds) : "–"),
        risk,
      );
      return tr;
    }),
  );
  $("queues-empty").hidden = data.length > 0;
}

function alertItem(alert) {
  const li = el("li");
  const text = el("div");
  const who = alert.reviewer ? ` · ${alert.reviewer}` : alert.subject ? ` · ${t("alert.for_queue", { queue: alert.subject })}` : "";
  // The alert's own detail is English, written by the rules with their figures: an English page
  // shows it; another language says what the alert means in its own words.
  const detail = LANG !== "en" && ALERTS.has(alert.type) ? t(`alert.explain.${alert.type}`) : alert.detail;
  text.append(
    el("span", `${alertName(alert.type)}${who}`, "what"),
    el("p", t("alert.since", { detail, time: timeOfDay(alert.created_at) }), "detail"),
  );
  const button = el("button", t("alert.resolve"));
  button.type = "button";
  button.setAttribute("aria-label", t("alert.resolve_label", { alert: `${alertName(alert.type)}${who}` }));
  button.addEventListener("click", async () => {
    const index = [...$("alerts").querySelectorAll("button")].indexOf(button);
    button.disabled = true;
    const result = await api("POST", `/v1/alerts/${enc(alert.id)}/resolve`);
    say(result.ok ? t("alert.resolved") : problemText(result));
    await refresh();
    // The list was redrawn without this alert: focus goes to the next one's button (or the
    // list's heading when none is left), never to the page body.
    if (document.activeElement && document.activeElement !== document.body && document.activeElement !== button) return;
    const left = [...$("alerts").querySelectorAll("button")].filter((other) => !other.disabled);
    (left[Math.min(index, left.length - 1)] || $("alerts-h")).focus();
  });
  li.append(text, button);
  return li;
}

function renderAlerts(data) {
  const key = data.map((alert) => alert.id).join(",");
  if (knownAlerts) {
    const fresh = data.filter((alert) => !knownAlerts.has(alert.id));
    if (fresh.length) {
      const first = fresh[0];
      const alert = alertName(first.type);
      say(first.reviewer ? t("alert.new_for", { alert, reviewer: first.reviewer }) : t("alert.new", { alert }));
    }
  }
  knownAlerts = new Set(data.map((alert) => alert.id));
  $("alerts-empty").hidden = data.length > 0;
  if (key === alertKey) return; // unchanged: keep the lead's focus where it is
  alertKey = key;
  $("alerts").replaceChildren(...data.map(alertItem));
}

// ---------------------------------------------------------------- refresh

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    await syncClock();
    const [team, queues, alerts] = await Promise.all([
      api("GET", `/v1/teams/${enc(TEAM)}/exposure`),
      api("GET", "/v1/queues"),
      api("GET", `/v1/alerts?team=${enc(TEAM)}`),
    ]);
    if (team.ok) renderReviewers(team.data.data);
    if (team.ok) renderTeam(team.data.data, team.data.team);
    if (queues.ok) renderQueues(queues.data.data);
    if (alerts.ok) renderAlerts(alerts.data.data);
    const failed = [team, queues, alerts].find((result) => !result.ok);
    $("updated").textContent = failed
      ? t("dashboard.not_refreshed", { problem: problemText(failed) })
      : t("dashboard.updated", {
          time: new Date().toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
          seconds: number(REFRESH_MS / 1000),
        });
  } finally {
    refreshing = false;
  }
}

async function start() {
  bindSignOut();
  for (const box of document.querySelectorAll(".table-wrap")) keyboardScroll(box);
  await new PolicyForm(TEAM, (saved) => {
    policy = saved;
  }).load();
  await refresh();
  const heat = () => refreshHeat(rows.map((row) => row.id));
  await heat();
  setInterval(refresh, REFRESH_MS);
  setInterval(heat, HEAT_REFRESH_MS);
}

start();
