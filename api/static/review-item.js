// What a reviewer sees of one item: its labels, a few facts, and its media at the level shown.
// Alt text says which level is on screen, never what is in the picture.
import { duration, el, msUntil, number, t } from "./common.js";

// Categories whose text is shown at once; any other label hides the text until asked for.
const QUIET = new Set(["spam", "other"]);
// Messages by level: item.alt.image.<level>, item.alt.video.<level>, item.level.<level>.
const alt = (kind, level) => t(`item.alt.${kind}.${level}`);
const levelNote = (level) => t(`item.level.${level}`);

const $ = (id) => document.getElementById(id);

function shortcutButton(label, key, className) {
  const button = el("button", `${label} `, className);
  button.type = "button";
  button.dataset.key = key.toLowerCase();
  button.setAttribute("aria-keyshortcuts", key);
  const kbd = el("kbd", key);
  kbd.setAttribute("aria-hidden", "true");
  button.append(kbd);
  return button;
}

/** The video player and what was seen of it (seconds played, sound turned on). */
export class Playback {
  constructor() {
    this.video = null;
    this.soundOn = false;
  }

  player(url, level) {
    const video = document.createElement("video");
    video.id = "media";
    video.muted = true; // the property, not only the attribute: muted from the first frame
    video.defaultMuted = true;
    video.playsInline = true;
    video.controls = true;
    video.autoplay = false;
    video.preload = "metadata";
    video.setAttribute("muted", "");
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-label", alt("video", level));
    video.src = url;
    video.addEventListener("volumechange", () => {
      if (!video.muted && video.volume > 0) this.soundOn = true;
    });
    this.video = video;
    return video;
  }

  seconds() {
    const played = this.video ? this.video.played : null;
    let total = 0;
    for (let i = 0; played && i < played.length; i += 1) total += played.end(i) - played.start(i);
    return Math.round(total * 10) / 10;
  }

  reset() {
    if (this.video) {
      this.video.pause();
      this.video.removeAttribute("src");
      this.video.load();
    }
    this.video = null;
    this.soundOn = false;
  }
}

export function renderLabels(item, severe) {
  const list = $("labels");
  if (severe) list.append(el("li", t("item.severe"), "severe"));
  for (const label of item.labels) {
    const source = label.source && label.source !== "vendor" ? ` (${label.source})` : "";
    list.append(el("li", `${label.category} ${number(label.severity)}${source}`));
  }
  if (!item.labels.length) list.append(el("li", t("item.no_labels")));
}

export function renderFacts(item) {
  const type = ["image", "video", "text"].includes(item.media_type) ? t(`item.type.${item.media_type}`) : item.media_type;
  const parts = [t("item.queue", { queue: item.queue }), t("item.type", { type })];
  if (item.deadline) {
    const left = msUntil(item.deadline) / 1000;
    parts.push(left > 0 ? t("item.due_in", { duration: duration(left) }) : t("item.past_deadline"));
  }
  $("facts").textContent = parts.join(" · ");
  // Who the work is for (its vendor, and the queue's purpose when one was stated).
  const forWhom = $("for-whom");
  forWhom.textContent = item.vendor_name
    ? item.purpose
      ? t("item.for", { vendor: item.vendor_name, purpose: item.purpose })
      : t("item.for_vendor", { vendor: item.vendor_name })
    : "";
  forWhom.hidden = !item.vendor_name;
}

function image(url, level) {
  const img = el("img");
  img.alt = alt("image", level);
  img.src = url;
  img.decoding = "async";
  img.id = "media";
  return img;
}

function renderVideo(item, viewer, playback) {
  const sheet = item.view.sheet_url;
  if (!sheet) {
    viewer.append(playback.player(item.view.url, "blurred"));
    return;
  }
  const img = el("img");
  img.src = sheet;
  img.alt = t("item.alt.sheet");
  img.id = "sheet";
  const button = shortcutButton(t("item.show_video"), "V");
  button.addEventListener("click", () => viewer.replaceChildren(playback.player(item.view.url, "blurred")));
  viewer.append(img, button);
}

function renderText(item, viewer) {
  const text = el("div", item.text, "text-body");
  text.id = "text-body";
  const warned = item.labels.filter((label) => !QUIET.has(label.category));
  if (!warned.length) {
    viewer.append(text);
    return;
  }
  const warning = el("div", null, "warning");
  const names = warned.map((label) => label.category).join(", ");
  warning.append(
    el("h2", t("item.warning.heading")),
    el("p", t("item.warning.text", { names })),
  );
  const button = shortcutButton(t("item.show_text"), "T", "primary");
  button.addEventListener("click", () => {
    viewer.replaceChildren(text);
    text.tabIndex = -1;
    text.focus();
  });
  warning.append(button);
  viewer.append(warning);
}

/** The item's default view: blurred grayscale media (sheet first for video), or its text. */
export function renderMedia(item, playback) {
  const viewer = $("viewer");
  if (item.media_type === "text") renderText(item, viewer);
  else if (!item.view.url) viewer.append(el("p", t("item.not_ready")));
  else if (item.media_type === "video") renderVideo(item, viewer, playback);
  else viewer.append(image(item.view.url, "blurred"));
  $("level-note").textContent = item.media_type === "text" ? "" : levelNote("blurred");
}

/** Swap in a revealed level (the link comes from the reveal, so the reveal is on record). */
export function showLevel(item, level, url, playback) {
  const viewer = $("viewer");
  if (item.media_type === "video") {
    const at = playback.video ? playback.video.currentTime : 0;
    viewer.replaceChildren(playback.player(url, level));
    if (at) playback.video.currentTime = at;
  } else {
    viewer.replaceChildren(image(url, level));
  }
  $("level-note").textContent = levelNote(level);
}
