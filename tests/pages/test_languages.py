"""The pages in English, French and Spanish: catalogues, the reader's choice, no English left.

The catalogues are checked against each other (same keys, same placeholders). The server picks
the language from the switch's cookie or the browser's Accept-Language. In the browser, each
page and state of the key flows is opened in French and in Spanish: every visible text node and
every accessible name (aria-label, alt, SVG title, the document title) must be made of words of
that language's catalogue, apart from the test's own data (ids, queue and category names, the
items' texts), numbers and text explicitly marked as another language (`lang`, the switch's
other languages). A string left in English, typed in a template or built in a script, fails
here. Each state is also scanned by axe-core at 1280 px and checked for sideways scrolling at
375 px (French and Spanish run longer than English).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources

import pytest
from playwright.async_api import Page, expect

from api.pages import i18n
from tests.api.conftest import Api
from tests.pages.conftest import CATALOGUES, PHONE, VIEWPORT, Site
from tests.pages.helpers import (
    MILD,
    VIOLENT,
    axe_violations,
    image_item,
    put_policy,
    sideways_overflow,
)

SLOW = {
    "dashboard_refresh_seconds": 60,
    "heat_refresh_seconds": 60,
    "idle_poll_seconds": 60,
}
LOCALES = {"fr": "fr-FR", "es": "es-VE"}
# The same in every language on purpose: units and symbols, and pure placeholders.
SAME_EVERYWHERE = {"{n} s", "{n} min", "{h} h {m} min", "{field}: {message}"}
SAME_IN: dict[str, set[str]] = {"es": set(), "fr": {"image"}}
# The test's own data, which no page translates: ids, queue and category names, item texts.
DATA = ["synthetic post", "violence", "spam", "default", "gore", "Safeshift", "CSV", "IWF"]
WORD = re.compile(r"[^\W\d_]+")
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")

# Everything a person reads or hears on the page as it stands: visible text nodes (including
# text only screen readers get), accessible names, SVG titles and the document's title; not
# code or key caps, and not text marked as another language than the page's.
READ_PAGE = """
() => {
  const lang = document.documentElement.lang;
  const other = (node) => { const l = node.closest('[lang]'); return l && l.lang !== lang; };
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || other(parent)) continue;
    if (parent.closest('script, style, code, kbd, title')) continue;
    if (!parent.checkVisibility()) continue;
    out.push(node.textContent.trim());
  }
  for (const el of document.body.querySelectorAll('[aria-label], [alt], [title], title')) {
    const host = el.tagName === 'title' ? el.parentElement : el;
    if (other(el) || !host.checkVisibility()) continue;
    for (const name of ['aria-label', 'alt', 'title']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
    if (el.tagName === 'title') out.push(el.textContent);
  }
  const days = [];
  for (let d = 1; d <= 7; d += 1) {
    days.push(new Date(2026, 0, 4 + d).toLocaleDateString(lang, { weekday: 'short' }));
  }
  return { lang, texts: out, days };
}
"""


def words(text: str) -> set[str]:
    return {w.casefold() for w in WORD.findall(text)}


def vocabulary(lang: str) -> set[str]:
    """Every word of the language's messages (placeholders left out) and its own name."""
    found = words(i18n.LANGUAGES[lang])
    for message in CATALOGUES.messages[lang].values():
        found |= words(PLACEHOLDER.sub(" ", message))
    return found


@dataclass
class Sweep:
    """What every state showed that is not in the page's language, and what axe found."""

    lang: str
    found: list[str] = field(default_factory=list)

    async def check(self, page: Page, state: str) -> None:
        read = await page.evaluate(READ_PAGE)
        if read["lang"] != self.lang:
            self.found.append(f"{state}: <html lang> is {read['lang']!r}")
        known = vocabulary(self.lang) | {w for d in read["days"] for w in words(d)}
        for text in read["texts"]:
            left = text
            for data in DATA:
                left = left.replace(data, " ")
            stray = {w for w in words(left) if len(w) > 1 and w not in known}
            if stray:
                self.found.append(f"{state}: {sorted(stray)} in {text!r}")
        await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        if (extra := await sideways_overflow(page)) > 0:
            self.found.append(f"{state} at 375 px: the page scrolls sideways by {extra} px")
        await page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
        self.found.extend(f"{state} at 1280 px: {v}" for v in await axe_violations(page))

    def assert_clean(self) -> None:
        assert not self.found, f"not in {self.lang}, or not accessible:\n" + "\n".join(self.found)


# ---------------------------------------------------------------- catalogues (no browser)


def test_every_catalogue_has_every_message_with_the_same_placeholders() -> None:
    english = CATALOGUES.messages["en"]
    for lang in ("fr", "es"):
        messages = CATALOGUES.messages[lang]
        assert messages.keys() == english.keys(), lang
        for key, message in messages.items():
            assert i18n.placeholders(message) == i18n.placeholders(english[key]), (lang, key)
            allowed = SAME_EVERYWHERE | SAME_IN[lang]
            assert message != english[key] or message in allowed, f"{lang} {key} is English"


def test_a_gap_in_a_catalogue_stops_the_start() -> None:
    english = dict(CATALOGUES.messages["en"])
    french = dict(CATALOGUES.messages["fr"])
    del french["break.heading"]
    with pytest.raises(i18n.CatalogueError, match=re.escape("lacks ['break.heading']")):
        i18n.check({"en": english, "fr": french})
    french = dict(CATALOGUES.messages["fr"]) | {"break.ends": "Fin à {heure}."}
    with pytest.raises(i18n.CatalogueError, match=re.escape("placeholders ['heure']")):
        i18n.check({"en": english, "fr": french})


def test_the_catalogues_are_files_a_translator_edits() -> None:
    for lang in i18n.LANGUAGES:
        text = resources.files("api.pages").joinpath("locales", f"{lang}.json").read_text("utf-8")
        assert json.loads(text) == CATALOGUES.messages[lang]


@pytest.mark.parametrize(
    ("cookie", "accept", "chosen"),
    [
        (None, "fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        (None, "de-DE, es;q=0.5, fr;q=0.4", "es"),
        (None, "mg-MG, fr-MG;q=0.8", "fr"),  # Antananarivo: Malagasy first, then French
        (None, "tl-PH, en-PH;q=0.9", "en"),  # Manila
        (None, "fr;q=0, es", "es"),
        (None, "", "en"),
        (None, "q=;;,,-", "en"),
        ("es", "fr", "es"),
        ("xx", "fr", "fr"),
    ],
)
def test_the_language_comes_from_the_switch_then_the_browser(
    cookie: str | None, accept: str, chosen: str
) -> None:
    assert CATALOGUES.choose(cookie, accept) == chosen


# ---------------------------------------------------------------- the server's choice (HTTP)


async def test_the_shell_comes_in_the_browsers_language_and_the_switch_keeps_a_choice(
    live: tuple[Api, str],
) -> None:
    api, _ = live
    french = await api.client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="fr">' in french.text and ">Clé d’API</label>" in french.text
    block = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', french.text)
    assert block and json.loads(block.group(1))["lang"] == "fr"
    assert "<script>" not in french.text  # data, not script: the CSP stays as it is

    chosen = await api.client.get("/?lang=es&error=ended", headers={"Accept-Language": "fr"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/?error=ended"
    assert "safeshift_lang=es" in chosen.headers["set-cookie"]
    assert "samesite=strict" in chosen.headers["set-cookie"].lower()
    spanish = await api.client.get(chosen.headers["location"], headers={"Accept-Language": "fr"})
    assert '<html lang="es">' in spanish.text
    assert "Tu sesión ha terminado." in spanish.text  # the refusal without script, in Spanish
    unknown = await api.client.get("/?lang=xx")
    assert unknown.status_code == 303 and "set-cookie" not in unknown.headers


# ---------------------------------------------------------------- in the browser


@pytest.mark.parametrize("lang", ["fr", "es"])
@pytest.mark.page_config(**(SLOW | {"review_refresh_seconds": 0.5}))
async def test_the_reviewers_page_has_no_english_left(site: Site, lang: str) -> None:
    m = CATALOGUES.messages[lang]
    sweep = Sweep(lang)
    keys = await site.api.world()
    await put_policy(site.api, checkin_interval_seconds=90, break_seconds=120)
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT, priority=9)
    await site.api.text_item(keys["vendor"], "warned", labels=VIOLENT, priority=8)

    signin = await site.page(VIEWPORT, LOCALES[lang])
    await sweep.check(signin, "sign-in")
    await signin.get_by_role("button", name=m["signin.submit"]).click()
    await expect(signin.get_by_text(m["signin.error.empty"])).to_be_visible()
    await sweep.check(signin, "sign-in, an empty key")
    await signin.get_by_label(m["signin.key"]).fill("ss_reviewer_nope")
    await signin.get_by_role("button", name=m["signin.submit"]).click()
    await expect(signin.get_by_text(m["signin.error.invalid"])).to_be_visible()
    await signin.goto("/?error=ended")
    await expect(signin.get_by_text(m["signin.error.ended"])).to_be_visible()
    await sweep.check(signin, "sign-in after the session ended")

    page = await site.signed_in(keys["r1"], "/review", VIEWPORT, LOCALES[lang])
    image = page.get_by_role("img", name=m["item.alt.image.blurred"])
    await expect(image).to_be_visible()
    await expect(page.locator("#meter-hour")).not_to_have_text("–")
    await sweep.check(page, "review: an image, blurred")
    await page.get_by_role("button", name=m["review.reveal_grayscale"]).click()
    await expect(page.get_by_role("img", name=m["item.alt.image.grayscale"])).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text(m["review.revealed.grayscale"])
    await sweep.check(page, "review: an image, grayscale")
    await page.get_by_role("button", name=m["review.reveal_color"]).click()
    await expect(page.get_by_role("dialog", name=m["color.heading"])).to_be_visible()
    await sweep.check(page, "review: the colour dialog")
    await page.get_by_role("button", name=m["color.cancel"]).click()
    await page.get_by_role("button", name=m["review.skip"], exact=True).click()
    await expect(page.get_by_role("dialog", name=m["skip.heading"])).to_be_visible()
    await sweep.check(page, "review: the skip dialog")
    await page.get_by_role("button", name=m["skip.cancel"]).click()

    site.clock.advance(100)  # a check-in is due after 90 s of work
    await page.reload()
    checkin = page.get_by_role("region", name=m["checkin.heading"])
    await expect(checkin).to_be_visible()
    await sweep.check(page, "review: the check-in card")
    await checkin.get_by_role("button", name=f"2 · {m['checkin.mood.2']}").click()
    await expect(page.get_by_role("status")).to_have_text(m["checkin.thanks_low"])
    await sweep.check(page, "review: after a low check-in")
    await page.get_by_role("button", name=m["review.approve"]).click()

    await expect(page.get_by_role("heading", name=m["item.warning.heading"])).to_be_visible()
    await sweep.check(page, "review: a text behind its warning")
    await page.get_by_role("button", name=m["item.show_text"]).click()
    await expect(page.get_by_text("synthetic post warned")).to_be_visible()
    await page.get_by_role("button", name=m["review.approve"]).click()

    await expect(page.get_by_role("heading", name=m["review.idle.heading"])).to_be_visible()
    await sweep.check(page, "review: no item")
    await page.get_by_role("button", name=m["review.take_break"]).click()
    await expect(page.get_by_role("heading", name=m["break.heading"])).to_be_visible()
    await expect(page.get_by_role("timer")).to_have_text(
        re.compile(rf"0[12]:\d\d {m['break.left']}")
    )
    await sweep.check(page, "review: the break screen")
    site.clock.advance(121)
    await expect(page.get_by_role("button", name=m["break.resume"])).to_be_visible()
    await sweep.check(page, "review: the break is over")
    sweep.assert_clean()


@pytest.mark.parametrize("lang", ["fr", "es"])
@pytest.mark.page_config(**SLOW)
async def test_the_leads_page_has_no_english_left_and_numbers_are_local(
    site: Site, lang: str
) -> None:
    m = CATALOGUES.messages[lang]
    sweep = Sweep(lang)
    keys = await site.api.world({"r1": {}, "r2": {}, "r3": {}})
    await put_policy(site.api, budgets={"hour": 0.5, "day": 0.5, "week": 5})
    for n in range(3):
        await site.api.text_item(keys["vendor"], f"q{n}", labels=VIOLENT, queue="gore")
    await site.api.text_item(keys["vendor"], "m", labels=MILD, queue="spam")
    r = await site.api.post("/v1/assignments", keys["r2"])
    site.clock.advance(60)
    await site.api.post(
        f"/v1/assignments/{r.json()['id']}/decision", keys["r2"], json={"verdict": "remove"}
    )
    await site.api.post("/v1/me/checkins", keys["r3"], json={"mood": 1})

    lead = await site.signed_in(keys["lead"], "/dashboard", VIEWPORT, LOCALES[lang])
    await expect(lead.locator("#reviewers tbody tr")).to_have_count(3)
    await expect(lead.locator("#alerts li")).not_to_have_count(0)
    await expect(lead.locator('#heat svg[data-cells="168"]')).to_have_count(3)
    await expect(lead.locator("#updated")).not_to_have_text(m["dashboard.loading"])
    # Numbers in the page's language: a decimal comma in both French and Spanish.
    r1 = lead.locator('#reviewers tr[data-reviewer="r1"]')
    today = f"^{re.escape(m['dose.today'])} ?: 0 \\D+ 0,5 "
    await expect(r1.get_by_role("img", name=re.compile(today))).to_be_visible()
    await expect(lead.get_by_label(m["policy.field.severe_threshold"])).to_have_value("0,7")
    await sweep.check(lead, "dashboard: reviewers, alerts, queues, heat, policy")

    await lead.get_by_label(m["policy.field.budgets_day"]).fill("0")
    await lead.get_by_label(m["policy.field.break_seconds"]).fill("dix")
    await lead.get_by_role("button", name=m["policy.save"]).click()
    day_error = m["policy.error.greater_than"].replace("{limit}", "0")
    await expect(lead.locator("#e-budgets-day")).to_have_text(day_error)
    await expect(lead.locator("#e-break_seconds")).to_have_text(m["policy.error.integer"])
    await sweep.check(lead, "dashboard: the policy refused, messages by the fields")

    # "0,3" is 0.3 in these languages: it is read back as a number, and saved.
    await lead.get_by_label(m["policy.field.budgets_day"]).fill("240")
    await lead.get_by_label(m["policy.field.break_seconds"]).fill("900")
    await lead.get_by_label(m["policy.field.low_mood_budget_factor"]).fill("0,3")
    await lead.get_by_role("button", name=m["policy.save"]).click()
    await expect(lead.get_by_text(m["policy.saved"])).to_be_visible()
    stored = (await site.api.get("/v1/teams/t1/policy", keys["lead"])).json()
    assert stored["low_mood_budget_factor"] == 0.3
    sweep.assert_clean()


@pytest.mark.parametrize("lang", ["fr", "es"])
@pytest.mark.page_config(**SLOW)
async def test_the_support_page_and_the_pause_have_no_english_left(site: Site, lang: str) -> None:
    m = CATALOGUES.messages[lang]
    sweep = Sweep(lang)
    keys = await site.api.world()
    counsellor = await site.api.key("counsellor", team="t1")
    await site.api.post("/v1/me/checkins", keys["r1"], json={"mood": 1})
    await site.api.post("/v1/me/support", keys["r1"], json={})
    page = await site.signed_in(counsellor, "/support", VIEWPORT, LOCALES[lang])
    await expect(page.get_by_text(m["support.no_note"])).to_be_visible()
    await expect(page.locator("#checkins tbody tr")).to_have_count(1)
    await sweep.check(page, "support: a request and a check-in")

    await put_policy(site.api, cooldown_after_severe_seconds=0)
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT)
    review = await site.signed_in(keys["r1"], "/review", VIEWPORT, LOCALES[lang])
    await review.locator("#reveal-color").click()
    await review.locator("#color-confirm").click()
    await expect(review.locator("#media")).to_be_visible()
    await review.locator('[data-verdict="remove"]').click()
    await expect(review.get_by_role("dialog")).to_be_visible()
    await sweep.check(review, "review: the pause offered")
    await review.get_by_role("button", name=m["pause.offer.accept"]).click()
    await review.get_by_role("button", name=m["pause.play"]).click()
    await expect(review.locator("#game-score")).not_to_be_empty()
    await sweep.check(review, "review: the pause, the game")
    await review.get_by_role("button", name=m["pause.breathe"]).click()
    await expect(review.locator("#breathing-count")).not_to_be_empty()
    await sweep.check(review, "review: the pause, breathing")
    sweep.assert_clean()


async def test_the_switch_changes_the_language_and_keeps_it(site: Site) -> None:
    keys = await site.api.world()
    page = await site.page(VIEWPORT, "fr-FR")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    switch = page.get_by_role("navigation", name="Langue")
    await expect(switch.get_by_role("link", name="Français")).to_have_attribute(
        "aria-current", "true"
    )
    await switch.get_by_role("link", name="Español").click()
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await page.get_by_label("Clave de API").fill(keys["r1"])
    await page.get_by_role("button", name="Iniciar sesión").click()
    await page.wait_for_url("**/review")
    # The choice outlives the page: the queue comes in Spanish though the browser says French.
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await expect(page.get_by_role("heading", name="No hay nada esperándote")).to_be_visible()
    await page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Nothing waiting for you")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")


async def test_the_sweep_finds_a_string_left_in_english(site: Site) -> None:
    """The check above is only worth something if it sees English where there is some."""
    page = await site.page(VIEWPORT, "fr-FR")
    sweep = Sweep("fr")
    await sweep.check(page, "sign-in")
    assert not sweep.found, sweep.found
    await page.evaluate(
        """() => {
            const p = document.createElement('p');
            p.textContent = 'Loading your queue…';
            const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
            svg.setAttribute('role', 'img');
            svg.setAttribute('aria-label', 'Aujourd’hui : 3 of 5');
            const quoted = document.createElement('p');
            quoted.lang = 'en';
            quoted.textContent = 'The server said so, in English.';
            document.querySelector('main').append(p, svg, quoted);
        }"""
    )
    await sweep.check(page, "sign-in with English added")
    assert any("['loading', 'queue', 'your']" in f for f in sweep.found), sweep.found
    assert any("['of']" in f for f in sweep.found), sweep.found
    assert not any("server" in f for f in sweep.found), "text marked lang=en is not flagged"
