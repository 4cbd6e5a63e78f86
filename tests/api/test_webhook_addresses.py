"""DNS rebinding: a delivery connects to the address it checked, never to a second lookup.

Receivers listen on two loopback addresses (127.0.0.2 and 127.0.0.1) on one port. The
delivery's resolver answers 127.0.0.2 first and 127.0.0.1 afterwards, while the system resolver
says `localhost` is 127.0.0.1: a delivery that looked the name up again, through either, would
reach the second receiver. TLS is checked against the URL's host name, with a certificate made
for the test by the `openssl` command.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from scheduler import keys, webhooks
from tests.api.conftest import Api
from tests.api.receiver import Receiver
from tests.api.test_standard_webhooks import _decide, _vendor


class Rebinding:
    """Answers `first` on the first lookup and `then` on every later one, counting lookups."""

    def __init__(self, first: list[str], then: list[str]) -> None:
        self.first, self.then, self.calls = first, then, 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return self.first if self.calls == 1 else self.then


@pytest.fixture
async def pair() -> AsyncIterator[tuple[Receiver, Receiver]]:
    """A receiver on 127.0.0.2 and one on 127.0.0.1, on the same port."""
    for _ in range(20):
        checked = Receiver(host="127.0.0.2")
        await checked.start()
        other = Receiver(host="127.0.0.1", port=checked.port)
        try:
            await other.start()
        except OSError:  # that port is taken on 127.0.0.1: try another
            await checked.stop()
            continue
        yield checked, other
        await checked.stop()
        await other.stop()
        return
    pytest.fail("no port free on both loopback addresses")


async def _deliver(
    api: Api, resolve: Any, *, allow_private: bool = True, client: Any = None
) -> int:
    ctx = api.app.state.ctx
    return await webhooks.deliver_due(
        redis=ctx.redis,
        scripts=ctx.scripts,
        client=client or ctx.http,  # the app's own delivery client
        now=api.clock(),
        allow_private=allow_private,
        resolve=resolve,
    )


async def _events(api: Api) -> list[dict[str, str]]:
    redis = api.app.state.ctx.redis
    ids = await redis.zrange(keys.OUTBOX, 0, -1)
    return [await redis.hgetall(keys.event(i)) for i in ids]


async def test_the_delivery_goes_to_the_checked_address(
    api: Api, pair: tuple[Receiver, Receiver]
) -> None:
    checked, other = pair
    _, vendor, reviewer = await _vendor(api)
    await _decide(api, vendor, reviewer, f"http://localhost:{checked.port}/hook", "a")
    resolve = Rebinding(first=["127.0.0.2"], then=["127.0.0.1"])
    assert await _deliver(api, resolve) == 1
    assert resolve.calls == 1  # looked up once, for the check
    assert len(checked.received) == 1 and other.received == []
    assert checked.received[0][0]["host"] == f"localhost:{checked.port}"  # the name, not the IP


async def test_each_attempt_checks_and_pins_afresh(
    api: Api, pair: tuple[Receiver, Receiver]
) -> None:
    checked, other = pair
    checked.statuses = [500]
    _, vendor, reviewer = await _vendor(api)
    await _decide(api, vendor, reviewer, f"http://localhost:{checked.port}/hook", "a")
    resolve = Rebinding(first=["127.0.0.2"], then=["127.0.0.1"])
    assert await _deliver(api, resolve) == 0
    api.clock.advance(5)
    assert await _deliver(api, resolve) == 1  # the retry's own lookup, checked and used
    assert resolve.calls == 2 and len(checked.received) == 1 and len(other.received) == 1


@pytest.mark.parametrize(
    "answer", [["10.1.2.3"], ["127.0.0.1"], ["93.184.216.34", "169.254.169.254"], []]
)
async def test_a_private_or_empty_answer_is_refused_before_connecting(
    api: Api, pair: tuple[Receiver, Receiver], answer: list[str]
) -> None:
    checked, other = pair
    _, vendor, reviewer = await _vendor(api)
    await _decide(api, vendor, reviewer, f"http://hooks.example.com:{checked.port}/hook", "a")
    assert await _deliver(api, Rebinding(answer, answer), allow_private=False) == 0
    assert checked.received == [] and other.received == []
    [event] = await _events(api)
    assert event["status"] == "retrying" and event["last_error"].startswith("InvalidCallback")


def _certificate(tmp: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for `name`: the server's context and a client's trusting it."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ),
            *("-nodes", "-days", "1", "-subj", f"/CN={name}"),
            *("-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


@pytest.mark.parametrize(("host", "delivered"), [("hooks.test", 1), ("other.test", 0)])
async def test_tls_checks_the_url_host_name_not_the_address(
    api: Api, tmp_path: Path, host: str, delivered: int
) -> None:
    server, trusting = _certificate(tmp_path, "hooks.test")
    receiver = Receiver(tls=server)
    await receiver.start()
    client = webhooks.delivery_client(verify=trusting)
    try:
        _, vendor, reviewer = await _vendor(api)
        await _decide(api, vendor, reviewer, f"https://{host}:{receiver.port}/hook", "a")
        resolve = Rebinding(["127.0.0.1"], ["127.0.0.2"])
        assert await _deliver(api, resolve, client=client) == delivered
    finally:
        await client.aclose()
        await receiver.stop()
    assert receiver.server_names == [host]  # SNI carries the URL's name
    assert len(receiver.received) == delivered
    if not delivered:  # a certificate for another name: refused, kept for a retry
        [event] = await _events(api)
        assert "CERTIFICATE_VERIFY_FAILED" in event["last_error"]
