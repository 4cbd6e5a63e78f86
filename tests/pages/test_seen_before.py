"""Seen before on the review page (issue 17): the team's earlier decision is shown first and can
be confirmed without a reveal; "not the same" lets the reviewer decide on their own; a group's
size says how many waiting copies one decision also decides."""

from __future__ import annotations

from playwright.async_api import expect

from tests.pages.conftest import Site
from tests.pages.helpers import VIOLENT


async def _decide_first(site: Site, reviewer: str, verdict: str) -> None:
    claimed = await site.api.post("/v1/assignments", reviewer)
    assert claimed.status_code == 201, claimed.text
    r = await site.api.post(
        f"/v1/assignments/{claimed.json()['id']}/decision", reviewer, json={"verdict": verdict}
    )
    assert r.status_code == 200, r.text


async def test_a_prior_decision_is_confirmed_without_a_reveal(site: Site) -> None:
    keys = await site.api.world()
    words = "a threat, word for word"
    await site.api.text_item(keys["vendor"], "first", text=words, labels=VIOLENT)
    await _decide_first(site, keys["r1"], "remove")
    again = await site.api.text_item(keys["vendor"], "again", text=words, labels=VIOLENT)
    assert again["status"] == "queued"

    page = await site.signed_in(keys["r1"], "/review")
    panel = page.get_by_role("region", name="Seen before")
    await expect(panel).to_be_visible()
    await expect(panel).to_contain_text("removed")
    await page.keyboard.press("y")  # Confirm the earlier decision
    await expect(page.get_by_text("Removed. Loading the next item…")).to_be_visible()
    decided = (await site.api.get(f"/v1/items/{again['id']}", keys["vendor"])).json()
    assert decided["decision"]["verdict"] == "remove"
    lead = (await site.api.get("/v1/teams/t1/exposure", keys["lead"])).json()
    assert lead["team"]["avoided"]["day"] >= 0


async def test_not_the_same_lets_the_reviewer_decide_on_their_own(site: Site) -> None:
    keys = await site.api.world()
    await site.api.text_item(keys["vendor"], "first", text="same words", labels=VIOLENT)
    await _decide_first(site, keys["r1"], "remove")
    again = await site.api.text_item(keys["vendor"], "again", text="same words", labels=VIOLENT)

    page = await site.signed_in(keys["r1"], "/review")
    await page.get_by_role("button", name="Not the same").click()
    await expect(page.get_by_role("region", name="Seen before")).to_be_hidden()
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Approved. Loading the next item…")).to_be_visible()
    decided = (await site.api.get(f"/v1/items/{again['id']}", keys["vendor"])).json()
    assert decided["decision"]["verdict"] == "approve"
    assert decided["decision"].get("decided_by") == "reviewer"


async def test_a_group_says_how_many_copies_one_decision_decides(site: Site) -> None:
    keys = await site.api.world()
    for n in range(3):
        await site.api.text_item(keys["vendor"], f"copy{n}", text="viral words", labels=VIOLENT)
    page = await site.signed_in(keys["r1"], "/review")
    await expect(page.get_by_text("Near-identical copies waiting with it: 2.")).to_be_visible()
