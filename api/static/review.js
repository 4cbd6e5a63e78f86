// The reviewer's queue. One item at a time, at the level the team and the reviewer chose (blurred
// unless they chose otherwise) until the reviewer reveals more of it
// on purpose (every reveal is an API call, so it is recorded and counted); breaks replace the
// queue with nothing to review; the exposure meter and the check-in prompt stay in view.
import { api, bindSignOut, msUntil, number, problemText, showOnly, syncClock, t } from "./common.js";
import { BreakScreen } from "./review-break.js";
import { Playback, SEEK_SECONDS, renderFacts, renderLabels, renderMedia, renderSeenBefore, showLevel } from "./review-item.js";
import { Checkin, renderMeter } from "./review-meter.js";
import { PauseOffer } from "./review-pause.js";
import { ViewSettings } from "./review-settings.js";

const config = document.body.dataset;
const REFRESH_MS = Number(config.refresh) * 1000;
const IDLE_POLL_MS = Number(config.idlePoll) * 1000;
const HEARTBEAT_MS = config.heartbeat ? Number(config.heartbeat) * 1000 : null;
const SECTIONS = ["loading", "work", "idle", "break"];

const $ = (id) => document.getElementById(id);
const say = (message) => {
  $("status").textContent = message;
};

const state = {
  view: "loading",
  assignment: null,
  level: "blurred",
  faces: false, // colour with faces shown, after a reveal of faces
  severeThreshold: 0.7, // the team's, from GET /v1/session; this is the policy's default
  busy: false,
  heartbeat: null,
  idle: null,
};
const playback = new Playback();
const breaks = new BreakScreen(say);
const checkin = new Checkin(say);
const pause = new PauseOffer(say, (until, reason) => showBreak(until, reason));

function show(view) {
  state.view = view;
  showOnly(SECTIONS, view);
  if (view !== "break") breaks.stop();
}

const LEVELS = ["blurred", "stylized", "grayscale", "color"]; // most protective first
const isSevere = (item) => item.severity >= state.severeThreshold;
const path = (assignment, action) => `/v1/assignments/${encodeURIComponent(assignment.id)}/${action}`;

// ---------------------------------------------------------------- the item

function clearItem() {
  clearInterval(state.heartbeat);
  playback.reset();
  state.assignment = null;
  $("viewer").replaceChildren(); // nothing of the last item stays in the page
  $("labels").replaceChildren();
  $("notes").value = "";
  $("seen-before").hidden = true;
  $("group-note").hidden = true;
}

function updateButtons() {
  const item = state.assignment && state.assignment.item;
  const levels = item ? item.reveal_levels : [];
  // The ladder: one button per less protective level than the one served first, in order; each
  // is usable while it shows more than what is on screen. Then faces, once in colour.
  const rank = (level) => LEVELS.indexOf(level);
  for (const button of document.querySelectorAll("#work button[data-level]")) {
    const level = button.dataset.level;
    button.hidden = levels.length > 0 && !levels.includes(level); // text: all shown, disabled
    button.disabled = state.busy || !levels.includes(level) || rank(level) <= rank(state.level);
  }
  const faces = $("reveal-faces");
  faces.hidden = !item || item.media_type === "text" || state.level !== "color";
  faces.disabled = state.busy || faces.hidden || state.faces;
  $("playback").hidden = !item || item.media_type !== "video";
  for (const button of document.querySelectorAll("#work [data-verdict], #skip, #take-break, #seen-before button")) {
    button.disabled = state.busy || !item;
  }
}

function showItem(assignment) {
  clearItem();
  state.assignment = assignment;
  state.level = assignment.item.view.level || "blurred";
  state.faces = false;
  state.notAMatch = false;
  renderLabels(assignment.item, isSevere(assignment.item));
  renderFacts(assignment.item);
  renderSeenBefore(assignment.item);
  renderMedia(assignment.item, playback);
  show("work");
  updateButtons();
  startHeartbeat(assignment);
  $("work-h").focus();
}

function startHeartbeat(assignment) {
  // setInterval takes at most 2^31-1 ms (24.8 days): a longer delay fires at once, in a loop.
  const third = Math.max(5000, msUntil(assignment.lease_expires_at) / 3);
  const every = HEARTBEAT_MS || Math.min(2147483647, third);
  state.heartbeat = setInterval(async () => {
    if (state.assignment !== assignment) return;
    const result = await api("POST", path(assignment, "heartbeat"));
    if (result.status === 409 && state.assignment === assignment) {
      showIdle(t("review.lease_ran_out.heading"), t("review.lease_ran_out.text"), false);
    }
  }, every); // a third of the lease: two heartbeats may fail before it lapses
}

// ---------------------------------------------------------------- the queue

async function next() {
  clearTimeout(state.idle);
  clearItem();
  const result = await api("POST", "/v1/assignments");
  if (result.status === 200 || result.status === 201) showItem(result.data);
  else if (result.status === 204) showIdle(t("review.idle.heading"), t("review.idle.text"), true);
  else if (result.status === 423) showBreak(result.data.break_until, result.data.reason);
  else showIdle(t("review.queue_error"), problemText(result), true);
  refreshMeter(); // a claim starts a stretch of work, a decision adds to the dose
}

function showIdle(heading, text, poll) {
  clearItem();
  $("idle-h").textContent = heading;
  $("idle-text").textContent = text;
  show("idle");
  clearTimeout(state.idle);
  if (poll) state.idle = setTimeout(next, IDLE_POLL_MS);
}

function showBreak(until, reason) {
  clearItem();
  clearTimeout(state.idle);
  show("break");
  breaks.show(until, reason);
  $("break-h").focus();
}

/**
 * One action at a time: buttons are disabled until the API has answered. Disabling the focused
 * button drops focus to the page body; if nothing else took it by then, it goes back to that
 * button (when it is usable again) or to the heading of what is on screen now.
 */
async function act(work) {
  if (state.busy) return;
  const from = document.activeElement;
  state.busy = true;
  updateButtons();
  try {
    await work();
  } finally {
    state.busy = false;
    updateButtons();
    keepFocus(from);
  }
}

function keepFocus(from) {
  const now = document.activeElement;
  if (now && now !== document.body) return;
  const usable = from && from !== document.body && from.isConnected && !from.disabled && from.offsetParent !== null;
  const heading = document.querySelector(`#${state.view} h1`);
  if (usable) from.focus();
  else if (heading) heading.focus();
}

function reveal(level) {
  if (!state.assignment) return;
  if (level === "color" && isSevere(state.assignment.item)) $("color-dialog").showModal();
  else act(() => doReveal(level));
}

/** Reveal a level (or, with `faces`, colour with faces shown): each is its own recorded reveal. */
async function doReveal(level, faces = false) {
  const assignment = state.assignment;
  const result = await api("POST", path(assignment, "reveal"), faces ? { level, faces } : { level });
  if (!result.ok) {
    say(problemText(result));
    return;
  }
  state.level = level;
  state.faces = faces;
  showLevel(assignment.item, level, result.data.url, playback, faces);
  say(t(`review.revealed.${faces ? "faces" : level}`));
  // The button that asked is now disabled: focus goes to what was revealed, whose name says
  // which level it is ("Grayscale view of the item (image)").
  const media = $("media");
  if (media) {
    if (media.tagName === "IMG") media.tabIndex = -1;
    media.focus();
  }
}

async function decide(verdict) {
  const assignment = state.assignment;
  if (!assignment) return;
  const body = { verdict };
  if (state.notAMatch) body.not_a_match = true;
  const notes = $("notes").value.trim();
  if (notes) body.notes = notes;
  if (assignment.item.media_type === "video") {
    body.played_seconds = playback.seconds();
    body.playback_rate = playback.meanRate();
    body.sound = playback.soundOn;
  }
  const result = await api("POST", path(assignment, "decision"), body);
  if (result.ok) {
    say(t(`review.decided.${verdict}`));
    // The server says whether a decompression pause is due (review-pause.js); "not now" goes on.
    clearItem();
    const me = await api("GET", "/v1/me");
    if (!pause.consider(me.ok ? me.data : null, () => next())) await next();
  } else if (result.status === 409) {
    showIdle(t("review.not_yours"), problemText(result), false);
  } else {
    say(problemText(result));
  }
}

async function skip(reason) {
  const assignment = state.assignment;
  if (!assignment) return;
  const result = await api("POST", path(assignment, "skip"), { reason });
  if (!result.ok && result.status !== 409) {
    say(problemText(result));
    return;
  }
  say(t("review.skipped"));
  await next();
}

async function takeBreak(minutes) {
  const result = await api("POST", "/v1/me/breaks", minutes ? { minutes } : undefined);
  if (result.ok) showBreak(result.data.break_until, "requested");
  else say(problemText(result));
}

// ---------------------------------------------------------------- refresh and wiring

async function refreshMeter() {
  const exposure = await api("GET", "/v1/me/exposure");
  if (exposure.ok) renderMeter(exposure.data);
}

async function refresh() {
  const session = await syncClock();
  if (session && typeof session.severe_threshold === "number") state.severeThreshold = session.severe_threshold;
  const [me] = await Promise.all([api("GET", "/v1/me"), refreshMeter()]);
  if (!me.ok) return;
  checkin.render(me.data.checkin_due);
  if (state.view !== "work") pause.consider(me.data);
  if (me.data.state !== "on_break") return;
  if (state.view === "break") breaks.update(me.data.break_until);
  else showBreak(me.data.break_until, me.data.break_reason);
}

function bindKeys() {
  const toggle = $("shortcuts");
  const apply = () => document.body.classList.toggle("no-shortcuts", !toggle.checked);
  toggle.checked = window.localStorage.getItem("safeshift.shortcuts") !== "off";
  apply();
  toggle.addEventListener("change", () => {
    window.localStorage.setItem("safeshift.shortcuts", toggle.checked ? "on" : "off");
    apply();
  });
  // Typing goes to the field, not to a shortcut (a checkbox or a radio takes no text).
  const typing = 'input:not([type="checkbox"]):not([type="radio"]), textarea, select, [contenteditable]';
  document.addEventListener("keydown", (event) => {
    if (!toggle.checked || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest(typing) || document.querySelector("dialog[open]")) return;
    const key = CSS.escape(event.key.toLowerCase());
    const button = [...document.querySelectorAll(`button[data-key="${key}"]`)].find(
      (candidate) => !candidate.disabled && candidate.offsetParent !== null,
    );
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
}

function bindButtons() {
  const on = (id, handler) => $(id).addEventListener("click", handler);
  on("reveal-stylized", () => reveal("stylized"));
  on("reveal-grayscale", () => reveal("grayscale"));
  on("reveal-color", () => reveal("color"));
  on("reveal-faces", () => act(() => doReveal("color", true)));
  on("seek-back", () => playback.seek(-SEEK_SECONDS));
  on("seek-forward", () => playback.seek(SEEK_SECONDS));
  on("rate-slower", () => playback.step(-1));
  on("rate-faster", () => playback.step(1));
  playback.onRate = () => {
    $("playback-rate").textContent = t("playback.rate", { rate: number(playback.rate) });
  };
  on("color-cancel", () => $("color-dialog").close());
  on("color-confirm", () => {
    $("color-dialog").close();
    act(() => doReveal("color"));
  });
  for (const button of document.querySelectorAll("[data-verdict]")) {
    button.addEventListener("click", () => act(() => decide(button.dataset.verdict)));
  }
  // Seen before: confirm the prior verdict as it is, or say it was for something else (the
  // reviewer then decides on their own, and the decision carries not_a_match).
  on("confirm-prior", () => {
    const seen = state.assignment && state.assignment.item.seen_before;
    if (seen) act(() => decide(seen.verdict));
  });
  on("not-a-match", () => {
    state.notAMatch = true;
    $("seen-before").hidden = true;
    say(t("seen.not_a_match_said"));
  });
  on("skip", () => $("skip-dialog").showModal());
  on("skip-cancel", () => $("skip-dialog").close());
  $("skip-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = String(new FormData(event.target).get("reason") || "Skipped");
    $("skip-dialog").close();
    act(() => skip(reason));
  });
  on("take-break", () => act(() => takeBreak()));
  on("idle-break", () => takeBreak());
  on("break-extend", () => takeBreak(Math.min(480, Math.ceil(breaks.minutesLeft()) + 5)));
  on("resume", () => next());
  on("next", () => next());
}

async function start() {
  bindSignOut();
  bindButtons();
  bindKeys();
  new ViewSettings(); // it binds the settings panel itself
  await refresh();
  if (state.view !== "break") await next();
  setInterval(refresh, REFRESH_MS);
}

start();
