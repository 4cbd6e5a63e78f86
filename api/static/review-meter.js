// The reviewer's own numbers (today's dose against the budget, when the next break is due) and
// the check-in prompt, both in the side column so that they never push the item out of view.
import { api, doseBar, duration, msUntil, number, problemText, serverNow, t } from "./common.js";

const SNOOZE_MS = 10 * 60 * 1000; // "Ask me later": ten minutes

const $ = (id) => document.getElementById(id);

export function renderMeter(exposure) {
  const { hour, day, week } = exposure.windows;
  const of = (w) => ({ dose: number(w.dose), budget: number(w.budget) });
  $("meter-day-text").textContent = t("meter.today", of(day));
  $("meter-day-bar").replaceChildren(doseBar(day.dose, day.budget, { width: 240, height: 14, label: t("dose.today") }));
  $("meter-hour").textContent = t("meter.of", of(hour));
  $("meter-week").textContent = t("meter.of", of(week));
  $("meter-severe").textContent = number(exposure.consecutive_severe);
  const due = exposure.next_break_due_at; // null until a stretch of work starts
  $("meter-working").textContent = due ? duration(exposure.continuous_work_seconds) : t("meter.not_started");
  let next = t("meter.when_start");
  if (due && msUntil(due) > 0) next = t("meter.in", { duration: duration(msUntil(due) / 1000) });
  else if (due) next = t("meter.due_now");
  $("meter-next-break").textContent = next;
  renderWork(exposure.work);
}

// Time at work today (the team's time zone) against the day's limit, and a countdown to the
// nearer of the day's and the rolling week's limits; past it, the item in hand is finished.
function renderWork(work) {
  if (!work) return;
  $("meter-worked-today").textContent = t("meter.worked_of", {
    worked: duration(work.today_seconds),
    limit: duration(work.max_per_day_seconds),
  });
  $("meter-work-left").textContent =
    work.left_seconds > 0 ? duration(work.left_seconds) : t("meter.work_limit_reached");
}

export class Checkin {
  /** `say` writes to the page's status region. */
  constructor(say) {
    this.say = say;
    this.snoozedUntil = 0;
    for (const button of document.querySelectorAll("[data-mood]")) {
      button.addEventListener("click", () => this.send(Number(button.dataset.mood)));
    }
    $("checkin-later").addEventListener("click", () => {
      this.snoozedUntil = serverNow() + SNOOZE_MS;
      this.close(t("checkin.snoozed"));
    });
  }

  render(due) {
    const card = $("checkin");
    const wanted = due && serverNow() >= this.snoozedUntil;
    if (wanted && card.hidden) this.say(t("checkin.due"));
    if (!wanted && $("status").textContent === t("checkin.due")) this.say("");
    const holdsFocus = card.contains(document.activeElement);
    card.hidden = !wanted;
    if (!wanted && holdsFocus) $("status").focus(); // no longer due (answered in another tab)
  }

  async send(mood) {
    const body = { mood };
    const note = $("checkin-note").value.trim();
    if (note) body.note = note;
    const result = await api("POST", "/v1/me/checkins", body);
    if (!result.ok) {
      this.say(problemText(result));
      return;
    }
    $("checkin-note").value = "";
    this.close(
      result.data.low_mood ? t("checkin.thanks_low") : t("checkin.thanks"),
    );
  }

  /**
   * Hide the card, which holds focus (its buttons were just used), and move focus to the
   * message that says what happened, so it does not fall to the page body.
   */
  close(message) {
    $("checkin").hidden = true;
    this.say(message);
    $("status").focus();
  }
}
