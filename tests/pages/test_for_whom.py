"""The review page says whom the work is for, above the item (issue 19), in the page's
language."""

from __future__ import annotations

from playwright.async_api import expect

from tests.pages.conftest import Site

PURPOSE = "Hate speech reports, Kenya"


async def test_the_review_page_shows_the_vendor_and_the_purpose(site: Site) -> None:
    keys = await site.api.world()
    r = await site.api.client.patch(
        "/v1/vendors/v1", headers=site.api.admin, json={"display_name": "Acme Social"}
    )
    assert r.status_code == 200
    r = await site.api.client.put(
        "/v1/queues/default",
        headers={"Authorization": f"Bearer {keys['vendor']}"},
        json={"purpose": PURPOSE},
    )
    assert r.status_code == 200
    await site.api.text_item(keys["vendor"], "t1")
    await site.api.text_item(keys["vendor"], "t2", queue="other")  # no purpose stated there

    page = await site.signed_in(keys["r1"], "/review")
    shown = page.locator("#for-whom")
    await expect(shown).to_have_text(f"For: Acme Social — {PURPOSE}")
    # Above the item: before its labels and its media.
    above = await page.evaluate(
        "document.querySelector('#for-whom').compareDocumentPosition("
        "document.querySelector('#viewer')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert above
    await page.get_by_role("button", name="Approve").click()
    await expect(shown).to_have_text("For: Acme Social")


async def test_in_french_and_spanish(site: Site) -> None:
    keys = await site.api.world()
    r = await site.api.client.put(
        "/v1/queues/default", headers=site.api.admin, json={"purpose": PURPOSE}
    )
    assert r.status_code == 200
    await site.api.text_item(keys["vendor"], "t1")
    for locale, said in (("fr-FR", "Pour : V — "), ("es-ES", "Para: V — ")):
        page = await site.signed_in(keys["r1"], "/review", locale=locale)  # the same item again
        await expect(page.locator("#for-whom")).to_have_text(said + PURPOSE)
        await page.close()
