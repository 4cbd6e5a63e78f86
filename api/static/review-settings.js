// The reviewer's own view settings: per category, the level items are served at first. Only
// levels at least as protective as the team's are offered (the API refuses the others), and
// "the team's choice" removes the preference. Nothing here reveals anything.
import { api, el, problemText, t } from "./common.js";

const $ = (id) => document.getElementById(id);
const TEAM = ""; // the select's value for "follow the team"

export class ViewSettings {
  constructor() {
    this.loaded = false;
    $("view-settings").addEventListener("toggle", () => {
      if ($("view-settings").open && !this.loaded) this.load();
    });
    $("settings-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  async load() {
    const result = await api("GET", "/v1/me/preferences");
    if (!result.ok) {
      $("settings-status").textContent = problemText(result);
      return;
    }
    this.loaded = true;
    this.render(result.data);
  }

  /** One select per category: the team's choice, then the levels allowed, most protective first. */
  render(data) {
    const rows = $("settings-rows");
    rows.replaceChildren();
    for (const [category, allowed] of Object.entries(data.allowed)) {
      const id = `pref-${category}`;
      const label = el("label", t(`category.${category}`));
      label.htmlFor = id;
      const select = el("select");
      select.id = id;
      select.dataset.category = category;
      const team = el("option", t("settings.team_choice", { level: t(`level.${data.team_view_defaults[category]}`) }));
      team.value = TEAM;
      select.append(team);
      for (const level of allowed) {
        const option = el("option", t(`level.${level}`));
        option.value = level;
        select.append(option);
      }
      select.value = data.view_defaults[category] || TEAM;
      const row = el("div", null, "setting");
      row.append(label, select);
      rows.append(row);
    }
  }

  async save() {
    const view_defaults = {};
    for (const select of $("settings-rows").querySelectorAll("select")) {
      if (select.value !== TEAM) view_defaults[select.dataset.category] = select.value;
    }
    const result = await api("PUT", "/v1/me/preferences", { view_defaults });
    if (result.ok) {
      this.render(result.data);
      $("settings-status").textContent = t("settings.saved");
    } else {
      $("settings-status").textContent = problemText(result);
    }
  }
}
