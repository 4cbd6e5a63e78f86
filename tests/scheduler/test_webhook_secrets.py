"""Which bytes key the Standard Webhooks signature, for every kind of secret a vendor holds."""

from __future__ import annotations

import base64

import pytest
from standardwebhooks import Webhook

from scheduler.accounts import new_webhook_secret, signing_secrets, standard_key, whsec_form


def test_a_generated_secret_is_its_own_whsec_form() -> None:
    secret = new_webhook_secret()
    assert whsec_form(secret) == secret and len(standard_key(secret)) == 32
    assert Webhook(secret)._whsecret == standard_key(secret)  # the library reads it alike


@pytest.mark.parametrize(
    "secret",
    [
        "s" * 32,  # chosen by the vendor
        "whsec_x-Y_" + "a" * 33,  # generated before: URL-safe, unpadded
        "whsec_" + "a" * 43,  # generated before, without - or _: still not padded base64
        "whsec_" + "=" * 16,  # nothing decodes to nothing
    ],
)
def test_any_other_string_keys_with_its_utf8_bytes(secret: str) -> None:
    assert standard_key(secret) == secret.encode()
    assert whsec_form(secret) == "whsec_" + base64.b64encode(secret.encode()).decode()
    assert Webhook(whsec_form(secret))._whsecret == secret.encode()


def test_a_chosen_whsec_secret_keys_with_its_decoded_bytes() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
    assert standard_key(secret) == b"k" * 24 and whsec_form(secret) == secret


def test_the_previous_secret_signs_until_its_end_only() -> None:
    vendor = {
        "webhook_secret": "new",
        "webhook_secret_previous": "old",
        "webhook_secret_previous_until": "1000.0",
    }
    assert signing_secrets(vendor, 999.9) == ["new", "old"]
    assert signing_secrets(vendor, 1000.0) == ["new"]
    assert signing_secrets({"webhook_secret": "only"}, 0) == ["only"]
