// What a reviewer sees of one item: its labels, a few facts, and its media at the level shown.
// Alt text says which level is on screen, never what is in the picture.
import { ago, duration, el, msUntil, number, t } from "./common.js";

// Categories whose text is shown at once; any other label hides the text until asked for.
const QUIET = new Set(["spam", "other"]);
// Messages by level: item.alt.image.<level>, item.alt.video.<level>, item.level.<level>
// (`faces` for colour with faces shown).
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

// The speeds the reviewer can step through with the buttons or [ and ] (1 is the video's own).
export const RATES = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4];
export const SEEK_SECONDS = 5;

/**
 * The video player and what was seen of it: media seconds played, the mean speed they were
 * played at (a reviewer may change it), and whether the sound was turned on. A video starts
 * muted, at the speed the team's policy sets for its severity (`view.playback_rate`).
 */
export class Playback {
  constructor() {
    this.video = null;
    this.soundOn = false;
    this.rate = 1;
    this.reset();
  }

  /** A new item: its starting speed, nothing played yet. */
  start(rate) {
    this.rate = rate || 1;
    this.played = 0;
    this.weighted = 0;
  }

  player(url, level, faces = false) {
    const video = document.createElement("video");
    video.id = "media";
    video.muted = true; // the property, not only the attribute: muted from the first frame
    video.defaultMuted = true;
    video.playsInline = true;
    video.controls = true;
    video.autoplay = false;
    video.preload = "metadata";
    video.defaultPlaybackRate = this.rate; // kept when the source loads
    video.playbackRate = this.rate;
    video.setAttribute("muted", "");
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-label", alt("video", faces ? "faces" : level));
    video.setAttribute("aria-keyshortcuts", "ArrowLeft ArrowRight");
    video.src = url;
    video.addEventListener("volumechange", () => {
      if (!video.muted && video.volume > 0) this.soundOn = true;
    });
    // Seconds of video played and at which speed: small steps of playing time only, so a seek
    // is not counted as watched.
    let last = null;
    video.addEventListener("timeupdate", () => {
      const now = video.currentTime;
      const step = last === null ? 0 : now - last;
      if (!video.paused && step > 0 && step < 1.5 * Math.max(1, video.playbackRate)) {
        this.played += step;
        this.weighted += step * video.playbackRate;
      }
      last = now;
    });
    video.addEventListener("seeked", () => {
      last = video.currentTime;
    });
    video.addEventListener("ratechange", () => {
      this.rate = video.playbackRate;
      this.onRate();
    });
    // ← and → when the video has focus: 5 s back or forward (J and L work anywhere).
    video.addEventListener("keydown", (event) => {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        event.stopPropagation();
        this.seek(event.key === "ArrowLeft" ? -SEEK_SECONDS : SEEK_SECONDS);
      }
    });
    this.video = video;
    this.onRate();
    return video;
  }

  /** Called when the speed changes (the page shows it). */
  onRate() {}

  setRate(rate) {
    this.rate = Math.min(4, Math.max(0.25, rate));
    if (this.video) {
      this.video.defaultPlaybackRate = this.rate;
      this.video.playbackRate = this.rate;
    }
    this.onRate();
  }

  /** One step slower (-1) or faster (+1) through RATES. */
  step(direction) {
    const faster = RATES.find((r) => r > this.rate + 1e-9);
    const slower = [...RATES].reverse().find((r) => r < this.rate - 1e-9);
    const next = direction > 0 ? faster : slower;
    if (next !== undefined) this.setRate(next);
  }

  seek(seconds) {
    const video = this.video;
    if (!video) return;
    const end = Number.isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.min(end, Math.max(0, video.currentTime + seconds));
  }

  seconds() {
    return Math.round(this.played * 10) / 10;
  }

  /** The mean speed over the seconds played (the starting speed if nothing was played). */
  meanRate() {
    const mean = this.played > 0 ? this.weighted / this.played : this.rate;
    return Math.round(Math.min(4, Math.max(0.25, mean)) * 100) / 100;
  }

  reset() {
    if (this.video) {
      this.video.pause();
      this.video.removeAttribute("src");
      this.video.load();
    }
    this.video = null;
    this.soundOn = false;
    this.start(1);
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

/** A prior decision of the team's that matched this item (assist), shown before anything else so
 * it can be confirmed without a reveal; and how many waiting copies one decision also decides. */
export function renderSeenBefore(item) {
  const seen = item.seen_before;
  $("seen-before").hidden = !seen;
  if (seen) {
    const labels = seen.labels.length
      ? seen.labels.map((label) => t(`category.${label.category}`)).join(", ")
      : t("seen.no_labels");
    const values = {
      when: ago(seen.decided_at),
      verdict: t(`seen.verdict.${seen.verdict}`),
      labels,
      distance: number(seen.distance),
    };
    $("seen-before-text").textContent = t(item.media_type === "text" ? "seen.text_exact" : "seen.text", values);
  }
  const note = $("group-note");
  const copies = item.group ? item.group.size - 1 : 0;
  note.hidden = copies < 1;
  note.textContent = copies ? t("group.note", { count: number(copies) }) : "";
}

function image(url, level, faces = false) {
  const img = el("img");
  img.alt = alt("image", faces ? "faces" : level);
  img.src = url;
  img.decoding = "async";
  img.id = "media";
  return img;
}

function renderVideo(item, viewer, playback) {
  const level = item.view.level;
  const sheet = item.view.sheet_url;
  if (!sheet) {
    viewer.append(playback.player(item.view.url, level));
    return;
  }
  const img = el("img");
  img.src = sheet;
  img.alt = t(level === "stylized" ? "item.alt.sheet_stylized" : "item.alt.sheet");
  img.id = "sheet";
  const button = shortcutButton(t("item.show_video"), "V");
  button.addEventListener("click", () => viewer.replaceChildren(playback.player(item.view.url, level)));
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

/** The item as served first: media at `view.level` (sheet first for video), or its text. */
export function renderMedia(item, playback) {
  const viewer = $("viewer");
  const level = item.view.level || "blurred";
  playback.start(item.view.playback_rate);
  if (item.media_type === "text") renderText(item, viewer);
  else if (!item.view.url) viewer.append(el("p", t("item.not_ready")));
  else if (item.media_type === "video") renderVideo(item, viewer, playback);
  else viewer.append(image(item.view.url, level));
  $("level-note").textContent = item.media_type === "text" ? "" : levelNote(level);
}

/** Swap in a revealed level (the link comes from the reveal, so the reveal is on record). */
export function showLevel(item, level, url, playback, faces = false) {
  const viewer = $("viewer");
  if (item.media_type === "video") {
    const at = playback.video ? playback.video.currentTime : 0;
    viewer.replaceChildren(playback.player(url, level, faces));
    if (at) playback.video.currentTime = at;
  } else {
    viewer.replaceChildren(image(url, level, faces));
  }
  $("level-note").textContent = levelNote(faces ? "faces" : level);
}
