// Shared by the reviewer's and the lead's pages: the v1 API over the session cookie, the
// server's clock, small formatting helpers and inline SVG. Everything from data goes into the
// page as text (textContent, SVG attributes), never as HTML.

const SVG = "http://www.w3.org/2000/svg";

// ---------------------------------------------------------------- the reader's language

// The server puts the chosen language's catalogue (api/pages/locales) in a JSON data block:
// data, not script, so the strict CSP stays as it is and nothing is fetched.
const CATALOGUE = JSON.parse(document.getElementById("i18n").textContent);
/** The page's language ("en", "fr", "es"): every date, time and number is formatted for it. */
export const LANG = CATALOGUE.lang;

/** A message of the catalogue with its `{name}` placeholders filled. */
export function t(key, values = {}) {
  const message = CATALOGUE.messages[key];
  if (message === undefined) throw new Error(`no message ${key} in the ${LANG} catalogue`);
  return message.replace(/\{([a-z_][a-z0-9_]*)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** A message that depends on a count: `key.one` or `key.other`, by the language's own rules. */
const plurals = new Intl.PluralRules(LANG);
export function plural(key, count, values = {}) {
  const form = plurals.select(count) === "one" ? "one" : "other";
  return t(`${key}.${form}`, { count: number(count), ...values });
}

/** Call the v1 API with the session cookie. A lost session goes back to sign-in. */
export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    return { status: 0, ok: false, data: { detail: t("problem.unreachable") } };
  }
  if (response.status === 401) {
    window.location.assign("/?error=ended");
    return new Promise(() => {}); // the page is going away; nothing after this should run
  }
  let data = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) data = await response.json();
  return { status: response.status, ok: response.ok, data };
}

// Problem types the pages meet (problem+json `type` ends with the slug), said for a reviewer.
const PROBLEMS = {
  "lease-lost": "problem.lease_lost",
  "conflicting-decision": "problem.conflict",
  "not-found": "problem.not_found",
  "no-media": "problem.no_media",
};

/**
 * What went wrong. Problem details are written in English for vendors' engineers: an English
 * page shows them as they are; another language says the known cases in its own words and
 * otherwise shows the English detail, saying that it is English.
 */
export function problemText(result) {
  const data = result.data || {};
  const detail = data.detail || "";
  if (result.status === 0) return t("problem.unreachable");
  if (LANG === "en" && detail) return detail;
  const slug = String(data.type || "").split("/").pop();
  if (PROBLEMS[slug]) return t(PROBLEMS[slug]);
  if (result.status === 429) return t("problem.rate_limited");
  if (result.status >= 500) return t("problem.server");
  return t("problem.fallback", { status: result.status, detail: detail || "–" });
}

// The server's clock, not the browser's: breaks, leases and check-ins are on server time.
let skewMs = 0;

export async function syncClock() {
  const before = Date.now();
  const result = await api("GET", "/v1/session");
  if (result.ok && result.data.now) {
    const after = Date.now();
    skewMs = Date.parse(result.data.now) - (before + after) / 2;
  }
  return result.ok ? result.data : null;
}

export function serverNow() {
  return Date.now() + skewMs;
}

/** Milliseconds from the server's now until an RFC 3339 time (negative when past). */
export function msUntil(iso) {
  return Date.parse(iso) - serverNow();
}

/** "2 h 05 min", "12 min", "40 s": durations people read at a glance. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("time.seconds", { n: number(s) });
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return t("time.minutes", { n: number(minutes) });
  const hours = Math.floor(minutes / 60);
  return t("time.hours_minutes", { h: number(hours), m: String(minutes % 60).padStart(2, "0") });
}

/** "mm:ss" for a countdown. */
export function clockFace(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** A wall-clock time on the server's timeline, shown in the browser's own time zone. */
export function timeOfDay(iso) {
  const shifted = new Date(Date.parse(iso) - skewMs);
  return shifted.toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit" });
}

export function ago(iso) {
  if (!iso) return "–";
  const seconds = -msUntil(iso) / 1000;
  return seconds < 45 ? t("time.just_now") : t("time.ago", { duration: duration(seconds) });
}

export function number(value) {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return Number(value).toLocaleString(LANG, { maximumFractionDigits: digits });
}

export function percent(fraction) {
  return Number(fraction).toLocaleString(LANG, { style: "percent", maximumFractionDigits: 0 });
}

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

export function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/**
 * A dose-against-budget bar: a track, the used part, and a mark at the budget. Past the budget
 * the fill stops at the end and the label says so: meaning is never carried by colour alone.
 */
export function doseBar(dose, budget, { width = 160, height = 12, label = t("dose.today") } = {}) {
  const fraction = budget > 0 ? dose / budget : 0;
  const root = svg("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": t("dose.bar", { what: label, dose: number(dose), budget: number(budget), percent: percent(fraction) }),
  });
  root.append(
    svg("rect", { x: 0, y: 0, width, height, rx: 3, class: "bar-track", fill: "#e4e1da", stroke: "#767676" }),
    svg("rect", {
      x: 0,
      y: 0,
      width: Math.max(0, Math.min(1, fraction)) * width,
      height,
      rx: 3,
      class: "bar-fill",
      fill: fraction >= 1 ? "#7a4100" : "#2f3e4e",
    }),
  );
  if (fraction >= 0.8 && fraction < 1) {
    root.append(svg("line", { x1: width * 0.8, x2: width * 0.8, y1: 0, y2: height, stroke: "#7a4100", "stroke-width": 2 }));
  }
  return root;
}

export function bindSignOut() {
  const button = document.getElementById("signout");
  button.addEventListener("click", async () => {
    button.disabled = true;
    await fetch("/v1/session", { method: "DELETE", credentials: "same-origin" });
    window.location.assign("/");
  });
}

/**
 * A box that scrolls sideways (a wide table on a phone) is reachable by keyboard, so its arrow
 * keys can scroll it, but only while it does scroll: at desktop width it is no extra Tab stop.
 * The box itself carries role="region" and a name in the HTML.
 */
export function keyboardScroll(box) {
  const update = () => {
    if (box.scrollWidth > box.clientWidth + 1) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  };
  const watch = new ResizeObserver(update);
  watch.observe(box);
  if (box.firstElementChild) watch.observe(box.firstElementChild);
  update();
}

/** Show one section of a page and hide its siblings in `ids`. */
export function showOnly(ids, visible) {
  for (const id of ids) document.getElementById(id).hidden = id !== visible;
}
