// The break screen: a countdown to `break_until` on the server's clock, a slow breathing prompt,
// a few grounding prompts, and nothing to review. When the time is up it says so and waits for
// the reviewer: it never pulls them back into the queue by itself. A decompression pause (issue 19)
// also offers a short game, a breathing timer and "talk to someone" (review-pause.js).
import { api, clockFace, msUntil, syncClock, t, timeOfDay } from "./common.js";
import { PausePanel } from "./review-pause.js";

// Why the queue is paused: break.reason.<reason> in the catalogue (a new reason needs a message).
const REASONS = new Set(["continuous_work", "cooldown", "decompression", "requested", "workday_over"]);
const HEADINGS = { cooldown: "break.short_pause", decompression: "pause.heading" };
const BREATH = ["break.breathe_in", "break.breathe_out"];

const $ = (id) => document.getElementById(id);

export class BreakScreen {
  /** `say` writes to the page's status region. */
  constructor(say) {
    this.say = say;
    this.until = null;
    this.timers = [];
    this.checking = false;
    this.pause = new PausePanel(say);
  }

  show(until, reason) {
    this.stop();
    this.until = until;
    $("break-h").textContent = t(HEADINGS[reason] || "break.heading");
    this.pause.show(reason === "decompression");
    $("break-reason").textContent = t(`break.reason.${REASONS.has(reason) ? reason : "other"}`);
    $("break-over").hidden = true;
    $("break-running").hidden = false;
    this.tick();
    let breath = 0;
    $("breathe-text").textContent = t(BREATH[0]);
    this.timers = [
      setInterval(() => this.tick(), 1000),
      setInterval(() => {
        breath += 1;
        $("breathe-text").textContent = t(BREATH[breath % 2]);
      }, 5000), // 10 s a breath, with the circle
    ];
  }

  /** The server moved the end (an extension, or a longer enforced break). */
  update(until) {
    this.until = until;
  }

  minutesLeft() {
    return Math.max(0, msUntil(this.until) / 60000);
  }

  stop() {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.pause.stop();
  }

  tick() {
    const left = msUntil(this.until) / 1000;
    $("break-left").textContent = clockFace(left);
    $("break-ends").textContent = t("break.ends", { time: timeOfDay(this.until) });
    if (left <= 0 && !$("break-running").hidden) this.checkOver();
  }

  async checkOver() {
    if (this.checking) return;
    this.checking = true;
    try {
      await syncClock();
      const me = await api("GET", "/v1/me");
      if (!me.ok) return;
      if (me.data.state === "on_break") {
        this.until = me.data.break_until;
        return;
      }
      this.stop();
      $("break-left").textContent = "00:00";
      $("break-running").hidden = true;
      $("break-over").hidden = false;
      this.say(t("break.over"));
      $("resume").focus();
    } finally {
      this.checking = false;
    }
  }
}
