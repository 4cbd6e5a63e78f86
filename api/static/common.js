// Shared by the reviewer's and the lead's pages: the v1 API over the session cookie, the
// server's clock, small formatting helpers and inline SVG. Everything from data goes into the
// page as text (textContent, SVG attributes), never as HTML.

const SVG = "http://www.w3.org/2000/svg";

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
    return { status: 0, ok: false, data: { detail: "The server cannot be reached. Retrying shortly." } };
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

/** What went wrong, in the API's own words (problem+json `detail`). */
export function problemText(result) {
  return (result.data && result.data.detail) || `The request failed (HTTP ${result.status}).`;
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
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
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
  return shifted.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function ago(iso) {
  if (!iso) return "–";
  const seconds = -msUntil(iso) / 1000;
  return seconds < 45 ? "just now" : `${duration(seconds)} ago`;
}

export function number(value) {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits });
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
export function doseBar(dose, budget, { width = 160, height = 12, label = "" } = {}) {
  const fraction = budget > 0 ? dose / budget : 0;
  const root = svg("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `${label}${number(dose)} of ${number(budget)} severe-minutes (${Math.round(fraction * 100)}%)`,
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
