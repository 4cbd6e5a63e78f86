"""Callback URLs: refused at ingest when they name a private place, re-checked at delivery."""

from __future__ import annotations

import pytest

from scheduler.webhooks import InvalidCallback, check_resolved, check_url


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/h",
        "ftp://example.com/h",
        "https:///nohost",
        "https://localhost/h",
        "https://metadata.google.internal/h",
        "https://10.0.0.8/h",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/h",
        "https://0.0.0.0/h",
        "https://224.0.0.1/h",
    ],
)
def test_refused_at_ingest(url: str) -> None:
    with pytest.raises(InvalidCallback):
        check_url(url, allow_private=False)


def test_public_names_and_private_ones_when_allowed() -> None:
    check_url("https://hooks.example.com/safeshift", allow_private=False)
    check_url("http://127.0.0.1:9000/h", allow_private=True)


async def test_a_name_that_resolves_to_a_private_address_is_refused_at_delivery() -> None:
    # A name (resolved through /etc/hosts here) whose address is loopback: what DNS rebinding
    # would hand a delivery after a public answer at ingest.
    with pytest.raises(InvalidCallback):
        await check_resolved("https://localhost/h", allow_private=False)
    with pytest.raises(InvalidCallback):
        await check_resolved("https://127.0.0.1/h", allow_private=False)
    await check_resolved("https://127.0.0.1/h", allow_private=True)


async def test_the_checked_addresses_come_back_under_the_name_the_client_connects_to() -> None:
    asked: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["93.184.216.34"]

    url = "https://Bücher.Example/h"
    assert await check_resolved(url, allow_private=False, resolve=resolve) == ["93.184.216.34"]
    assert asked == [("xn--bcher-kva.example", 443)]  # IDNA and lowercase, as httpcore asks
