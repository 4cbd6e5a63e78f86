// The reviewer's own numbers (today's dose against the budget, when the next break is due) and
// the check-in prompt, both in the side column so that they never push the item out of view.
import { api, doseBar, duration, msUntil, number, problemText, serverNow } from "./common.js";

const CHECKIN_DUE = "A check-in is due: how are you doing?";
const SNOOZE_MS = 10 * 60 * 1000; // "Ask me later": ten minutes

const $ = (id) => document.getElementById(id);

export function renderMeter(exposure) {
  const { hour, day, week } = exposure.windows;
  $("meter-day-text").textContent = `Today: ${number(day.dose)} of ${number(day.budget)}`;
  $("meter-day-bar").replaceChildren(doseBar(day.dose, day.budget, { width: 240, height: 14, label: "Today: " }));
  $("meter-hour").textContent = `${number(hour.dose)} of ${number(hour.budget)}`;
  $("meter-week").textContent = `${number(week.dose)} of ${number(week.budget)}`;
  $("meter-severe").textContent = String(exposure.consecutive_severe);
  const due = exposure.next_break_due_at; // null until a stretch of work starts
  $("meter-working").textContent = due ? duration(exposure.continuous_work_seconds) : "Not started";
  let next = "When you start working";
  if (due && msUntil(due) > 0) next = `In ${duration(msUntil(due) / 1000)}`;
  else if (due) next = "Due now: it starts after this item";
  $("meter-next-break").textContent = next;
  renderWork(exposure.work);
}

// Time at work today (the team's time zone) against the day's limit, and a countdown to the
// nearer of the day's and the rolling week's limits; past it, the item in hand is finished.
function renderWork(work) {
  if (!work) return;
  $("meter-worked-today").textContent = `${duration(work.today_seconds)} of ${duration(work.max_per_day_seconds)}`;
  $("meter-work-left").textContent =
    work.left_seconds > 0 ? duration(work.left_seconds) : "Limit reached: finish this item, then you are done";
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
      this.close("We will ask again in ten minutes.");
    });
  }

  render(due) {
    const card = $("checkin");
    const wanted = due && serverNow() >= this.snoozedUntil;
    if (wanted && card.hidden) this.say(CHECKIN_DUE);
    if (!wanted && $("status").textContent === CHECKIN_DUE) this.say("");
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
      result.data.low_mood
        ? "Thank you for saying so. Your lead can see it, and you will get fewer severe items today. A break may help."
        : "Thank you. Check-in recorded.",
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
