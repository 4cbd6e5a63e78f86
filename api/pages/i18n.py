"""The pages' languages: message catalogues, the reader's choice, and filling the HTML shells.

Every word a reviewer or a lead reads on a page comes from `locales/<lang>.json`, one flat JSON
object per language (key -> message, `{name}` placeholders), which a translator edits without
touching code. They are read once at start-up and checked against each other: a catalogue with a
missing or extra key, or a message whose placeholders differ from the English one, stops the app
from starting, so an untranslated string never reaches a page. Nothing is fetched from anywhere.

The chosen language comes from the `safeshift_lang` cookie (set by the switch on every page),
else from the browser's `Accept-Language`, else English. The server fills the shell's text in
that language and hands the whole catalogue to the page's scripts in a JSON data block (not
script: the strict CSP stays as it is), so text built in JavaScript uses the same messages.
API problem details stay in English: they are written for the vendors' engineers.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any

LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}  # each in its own language
DEFAULT = "en"
COOKIE = "safeshift_lang"
COOKIE_SECONDS = 400 * 86_400  # the longest a browser keeps a cookie
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class CatalogueError(ValueError):
    """A catalogue that does not match the English one: the app refuses to start with it."""


class PageTemplate(Template):
    """`string.Template` whose braced names may hold dots, so `${review.approve}` is a key."""

    braceidpattern = r"(?a:[_a-z][_a-z0-9.]*)"


def placeholders(message: str) -> set[str]:
    return set(_PLACEHOLDER.findall(message))


def fill(message: str, values: dict[str, str]) -> str:
    """Put values into a message's `{name}` placeholders (unknown names stay as they are)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), message)


def load(name: str) -> dict[str, str]:
    text = resources.files("api.pages").joinpath("locales", f"{name}.json").read_text("utf-8")
    data: Any = json.loads(text)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()
    ):
        raise CatalogueError(f"locales/{name}.json must map every key to a non-empty string")
    return data


def check(catalogues: dict[str, dict[str, str]]) -> None:
    """Every catalogue has the English keys, no others, and the same placeholders in each."""
    source = catalogues[DEFAULT]
    problems = []
    for lang, messages in catalogues.items():
        missing, extra = source.keys() - messages.keys(), messages.keys() - source.keys()
        if missing:
            problems.append(f"locales/{lang}.json lacks {sorted(missing)}")
        if extra:
            problems.append(f"locales/{lang}.json has keys English does not: {sorted(extra)}")
        for key in source.keys() & messages.keys():
            if placeholders(messages[key]) != placeholders(source[key]):
                problems.append(
                    f"locales/{lang}.json {key!r} has placeholders "
                    f"{sorted(placeholders(messages[key]))}, English has "
                    f"{sorted(placeholders(source[key]))}"
                )
    if problems:
        raise CatalogueError("; ".join(problems))


@dataclass(frozen=True)
class Catalogues:
    messages: dict[str, dict[str, str]]

    @classmethod
    def read(cls) -> Catalogues:
        found = {lang: load(lang) for lang in LANGUAGES}
        check(found)
        return cls(found)

    def choose(self, cookie: str | None, accept_language: str | None) -> str:
        """The cookie's language if we have it, else the browser's best match, else English."""
        if cookie in self.messages:
            return str(cookie)
        ranked = []
        for position, part in enumerate((accept_language or "").split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            for param in params.split(";"):
                name, _, value = param.strip().partition("=")
                if name == "q":
                    try:
                        quality = float(value)
                    except ValueError:
                        quality = 0.0
            primary = tag.strip().split("-")[0].lower()
            if primary in self.messages and quality > 0:
                ranked.append((-quality, position, primary))
        return min(ranked)[2] if ranked else DEFAULT

    def shell_values(self, lang: str, values: dict[str, str]) -> dict[str, str]:
        """Every message as escaped HTML with the page's values (already HTML) in place."""
        return {
            key: fill(html.escape(message, quote=True), values)
            for key, message in self.messages[lang].items()
        }

    def data_block(self, lang: str) -> str:
        """The catalogue for the scripts, as JSON that cannot end the `<script>` element early."""
        text = json.dumps({"lang": lang, "messages": self.messages[lang]}, ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    def switch(self, lang: str, path: str) -> str:
        """The language links: plain links (no script needed) that set the cookie and come back."""
        label = html.escape(self.messages[lang]["common.language"])
        items = []
        for code, name in LANGUAGES.items():
            current = ' aria-current="true"' if code == lang else ""
            items.append(
                f'<li><a href="{html.escape(path)}?lang={code}" hreflang="{code}" lang="{code}"'
                f"{current}>{html.escape(name)}</a></li>"
            )
        return f'<nav class="lang" aria-label="{label}"><ul>{"".join(items)}</ul></nav>'
