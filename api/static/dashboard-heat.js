// The last seven days, hour by hour: one strip of 168 cells per reviewer, on one scale for the
// whole team, so a lead sees at a glance who has had the heavy hours and when.
import { LANG, api, el, number, plural, svg, t } from "./common.js";

export const HEAT_COLOURS = ["#ebe9e3", "#c9d3dc", "#9fb1c2", "#6f8aa3", "#3d5a78", "#1f3550"];
const CELL = 5;
const DAY_GAP = 3;
const STRIP_H = 18;
const HOUR = { weekday: "short", hour: "2-digit", minute: "2-digit" };

const when = (hour) => new Date(Date.parse(hour.start));

function level(dose, max) {
  return dose > 0 ? Math.min(5, 1 + Math.floor((dose / max) * 4.999)) : 0;
}

function summary(id, hours) {
  const total = hours.reduce((sum, hour) => sum + hour.dose, 0);
  if (!(total > 0)) return t("heat.none", { reviewer: id });
  const busiest = hours.reduce((best, hour) => (hour.dose > best.dose ? hour : best));
  const at = when(busiest).toLocaleString(LANG, HOUR);
  return t("heat.summary", { reviewer: id, total: number(total), time: at, dose: number(busiest.dose) });
}

function strip(id, hours, max) {
  const shapes = [];
  let x = 0;
  let lastDay = null;
  for (const hour of hours) {
    const day = when(hour).toDateString();
    if (day !== lastDay) {
      if (lastDay !== null) x += DAY_GAP;
      const label = svg("text", { x, y: STRIP_H + 11, "font-size": 10, fill: "#4d4d4d" });
      label.textContent = when(hour).toLocaleDateString(LANG, { weekday: "short" });
      shapes.push(label);
      lastDay = day;
    }
    const cell = svg("rect", { x, y: 0, width: CELL - 0.5, height: STRIP_H, fill: HEAT_COLOURS[level(hour.dose, max)] });
    const title = svg("title");
    title.textContent = plural("heat.cell", hour.items, { time: when(hour).toLocaleString(LANG, HOUR), dose: number(hour.dose) });
    cell.append(title);
    shapes.push(cell);
    x += CELL;
  }
  const height = STRIP_H + 14;
  const root = svg("svg", { width: x, height, viewBox: `0 0 ${x} ${height}`, role: "img", "aria-label": summary(id, hours) });
  root.dataset.cells = String(hours.length);
  root.append(...shapes);
  return root;
}

function legend(max) {
  const key = svg("svg", { width: HEAT_COLOURS.length * 14, height: 12, "aria-hidden": "true" });
  HEAT_COLOURS.forEach((colour, i) => {
    key.append(svg("rect", { x: i * 14, y: 0, width: 12, height: 12, fill: colour, stroke: "#767676", "stroke-width": 0.5 }));
  });
  document.getElementById("heat-legend").replaceChildren(
    el("span", t("heat.legend.light")),
    key,
    el("span", t("heat.legend.dark", { max: number(max) })),
  );
}

/** Fetch each reviewer's hours (`GET /v1/reviewers/{id}/exposure?days=7`) and draw them. */
export async function refreshHeat(ids) {
  const answers = await Promise.all(ids.map((id) => api("GET", `/v1/reviewers/${encodeURIComponent(id)}/exposure?days=7`)));
  const histories = answers.map((answer, i) => ({ id: ids[i], hours: answer.ok ? answer.data.data.slice(-168) : [] }));
  const max = Math.max(0.001, ...histories.flatMap(({ hours }) => hours.map((hour) => hour.dose)));
  document.getElementById("heat").replaceChildren(
    ...histories.map(({ id, hours }) => {
      const row = el("div", null, "heat-row");
      row.dataset.reviewer = id;
      row.append(el("span", id), strip(id, hours, max));
      return row;
    }),
  );
  legend(max);
}
