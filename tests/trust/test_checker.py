"""The official-channel checker: normal forms, verdicts for official values of every kind, each
family of look-alikes, unrelated and bad input; then the model, the API, the page and the demo."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from kefu.events.models import Event
from kefu.trust.channels import (
    InvalidChannel,
    PublishedChannel,
    Reason,
    guess_kinds,
    normalise,
    verify,
)
from kefu.trust.channels.confusables import skeleton
from kefu.trust.channels.publishing import publish_channels, save_channel
from kefu.trust.demo_data import DEMO_CHANNELS, load_demo_channels
from kefu.trust.models import ChannelKind, OfficialChannel

PUBLISHED = [
    ("domain", "beacon.example"),
    ("domain", "www.beacon.example"),
    ("email", "support@beacon.example"),
    ("email", "noreply@mail.beacon.example"),
    ("telegram", "@BeaconExchange"),
    ("telegram", "@BeaconSupportBot"),
    ("phone", "+86 400 123 4567"),
    ("wechat", "BeaconOfficial"),
]
BEACON = [PublishedChannel(kind, normalise(kind, value), value) for kind, value in PUBLISHED]


def check(value: str, kind: str | None = None) -> tuple[bool, str, str, str | None]:
    verdict = verify(value, kind, channels=BEACON)
    return verdict.official, verdict.kind, verdict.reason, verdict.lookalike_of


# --- normal forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "canonical"),
    [
        ("domain", "HTTPS://WWW.Beacon.example:443/login?next=/", "www.beacon.example"),
        ("domain", "beacon.example.", "beacon.example"),
        ("domain", "//beacon.example/path", "beacon.example"),
        ("domain", "ｂｅａｃｏｎ.example", "beacon.example"),  # full-width, as browsers map it
        ("domain", "https://bеacon.example/", "xn--bacon-zwe.example"),  # Cyrillic е
        ("domain", "xn--bacon-zwe.example", "xn--bacon-zwe.example"),
        ("domain", "https://beacon.example@evil.io/", "evil.io"),  # the host, not the userinfo
        ("domain", "http://[2001:db8::1]:8080/", "2001:db8::1"),
        ("email", "Beacon Support <SUPPORT@Beacon.Example>", "support@beacon.example"),
        ("email", "mailto:noreply@mail.beacon.example?subject=hi", "noreply@mail.beacon.example"),
        ("email", "*@beacon.example", "@beacon.example"),
        ("email", "help@bеacon.example", "help@xn--bacon-zwe.example"),
        ("telegram", "@BeaconSupportBot", "@beaconsupportbot"),
        ("telegram", "t.me/BeaconSupportBot", "@beaconsupportbot"),
        ("telegram", "https://t.me/BeaconExchange/42", "@beaconexchange"),
        ("telegram", "https://telegram.me/s/BeaconExchange", "@beaconexchange"),
        ("telegram", "tg://resolve?domain=BeaconExchange", "@beaconexchange"),
        ("telegram", "https://t.me/+AbCdEf123", "t.me/+AbCdEf123"),
        ("telegram", "https://t.me/joinchat/AbCdEf123", "t.me/+AbCdEf123"),
        ("phone", "+86 (400) 123-4567", "+864001234567"),
        ("phone", "0086 400 123 4567", "+864001234567"),
        ("phone", "tel:+1-202-555-0123", "+12025550123"),
        ("phone", "400.123.4567", "4001234567"),
        ("wechat", "WeChat: BeaconOfficial", "beaconofficial"),
        ("wechat", "微信号：BeaconOfficial", "beaconofficial"),
    ],
)
def test_normal_forms(kind: str, value: str, canonical: str) -> None:
    assert normalise(kind, value) == canonical


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("domain", ""),
        ("domain", "http://"),
        ("domain", "not a domain"),
        ("domain", "localhost-ish"),
        ("domain", "xn--zz.example"),  # broken punycode
        ("email", "support@"),
        ("email", "@"),
        ("email", "two words@beacon.example"),
        ("telegram", "@"),
        ("telegram", "@a"),
        ("telegram", "@has space"),
        ("phone", "12"),
        ("phone", "call me"),
        ("phone", "+1 234 567 890 123 456 78"),
        ("wechat", "!"),
        ("fax", "+86 400 123 4567"),
    ],
)
def test_values_that_are_no_channel(kind: str, value: str) -> None:
    with pytest.raises(InvalidChannel):
        normalise(kind, value)


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        ("https://beacon.example/login", ["domain"]),
        ("beacon.example", ["domain"]),
        ("8.8.8.8", ["domain"]),
        ("support@beacon.example", ["email"]),
        ("mailto:support@beacon.example", ["email"]),
        ("@BeaconSupportBot", ["telegram"]),
        ("t.me/BeaconSupportBot", ["telegram"]),
        ("+86 400 123 4567", ["phone"]),
        ("(400) 123-4567", ["phone"]),
        ("wechat: BeaconOfficial", ["wechat"]),
        ("BeaconOfficial", ["telegram", "wechat"]),  # a bare name may be either
        ("beacon-official", ["wechat"]),  # Telegram names have no hyphen
        ("!!!", []),
        ("", []),
    ],
)
def test_guessing_the_kind(value: str, kinds: list[str]) -> None:
    assert guess_kinds(value) == kinds


def test_skeletons_fold_look_alike_characters() -> None:
    plain = skeleton("beacon")
    for disguised in [
        "bеacon",
        "BEACON",
        "beac0n",
        "bеаcοn",
        "ｂｅａｃｏｎ",
        "bèacon",
        "beac\u200bon",
    ]:
        assert skeleton(disguised) == plain, disguised
    assert skeleton("exarnple") == skeleton("example")  # rn / m
    assert skeleton("paypa1") == skeleton("paypaI") == skeleton("paypal")  # 1 / I / l
    assert skeleton("bitcoin") != skeleton("beacon")


# --- verdicts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("beacon.example", "domain"),
        ("https://www.beacon.example/en/login", "domain"),
        ("HTTPS://WWW.BEACON.EXAMPLE", "domain"),
        ("support.beacon.example", "domain"),  # a sub-domain of an official domain
        ("https://status.support.beacon.example/", "domain"),
        ("ｂｅａｃｏｎ.example", "domain"),
        ("support@beacon.example", "email"),
        ("Beacon <SUPPORT@beacon.example>", "email"),
        ("mailto:noreply@mail.beacon.example", "email"),
        ("@BeaconSupportBot", "telegram"),
        ("@beaconexchange", "telegram"),
        ("t.me/BeaconSupportBot", "telegram"),
        ("https://t.me/BeaconExchange", "telegram"),
        ("tg://resolve?domain=BeaconExchange", "telegram"),
        ("+86 400 123 4567", "phone"),
        ("0086-400-123-4567", "phone"),
        ("400 123 4567", "phone"),  # written without the country code
        ("wechat: BeaconOfficial", "wechat"),
        ("微信号：beaconofficial", "wechat"),
        ("BeaconOfficial", "wechat"),  # a bare name: official as a WeChat account
    ],
)
def test_official_values(value: str, kind: str) -> None:
    assert check(value) == (True, kind, "official", None)


@pytest.mark.parametrize(
    ("value", "lookalike_of"),
    [
        ("bеacon.example", "beacon.example"),  # Cyrillic е
        ("xn--bacon-zwe.example", "beacon.example"),  # the same, as punycode
        ("https://www.bеacon.example/login", "beacon.example"),
        ("bеаcοn.example", "beacon.example"),  # Cyrillic е, а and Greek ο
        ("beac0n.example", "beacon.example"),
        ("beacon.exarnple", "beacon.example"),  # rn for m
        ("beac0n-support.com", "beacon.example"),
        ("@Beac0nSupport", "@BeaconSupportBot"),
        ("@BeaconSupp0rtBot", "@BeaconSupportBot"),
        ("support@bеacon.example", "support@beacon.example"),
        ("wechat: Beac0nOfficial", "BeaconOfficial"),
    ],
)
def test_homoglyphs_and_punycode(value: str, lookalike_of: str) -> None:
    assert check(value)[1:] in [
        (kind, "lookalike_homoglyph", lookalike_of) for kind in ChannelKind.values
    ]
    assert not check(value)[0]


def test_a_homoglyph_verdict_shows_the_real_punycode_address() -> None:
    verdict = verify("https://bеacon.example/", channels=BEACON)
    assert "xn--bacon-zwe.example" in verdict.message
    assert verdict.canonical == "xn--bacon-zwe.example"


def test_greek_omicron_in_a_short_name() -> None:
    okx = [PublishedChannel("domain", "okx.com", "okx.com")]
    assert verify("οkx.com", channels=okx).reason == "lookalike_homoglyph"  # Greek ο
    assert verify("okx-support.com", channels=okx).reason == "lookalike_added_words"
    # Three letters are too short for typo matching: "okb" is someone else.
    assert verify("okb.com", channels=okx).reason == "not_listed"


@pytest.mark.parametrize(
    ("value", "lookalike_of"),
    [
        ("b3acon.example", "beacon.example"),
        ("beacom.example", "beacon.example"),
        ("baecon.example", "beacon.example"),  # swapped letters
        ("beaconn.example", "beacon.example"),
        ("becon.io", "beacon.example"),
        ("https://www.beacn.com/", "beacon.example"),
        ("@BeaconSuportBot", "@BeaconSupportBot"),
        ("@BeaconExchang", "@BeaconExchange"),
        ("@beacon_support_bot", "@BeaconSupportBot"),  # a different account, one mark off
        ("support@beacom.example", "support@beacon.example"),
    ],
)
def test_typosquats(value: str, lookalike_of: str) -> None:
    official, _kind, reason, of = check(value)
    assert (official, reason, of) == (False, "lookalike_typo", lookalike_of)


@pytest.mark.parametrize(
    ("value", "lookalike_of"),
    [
        ("beacon-support.example", "beacon.example"),
        ("beacon-support.xyz", "beacon.example"),
        ("beaconsupport.com", "beacon.example"),
        ("support-beacon.com", "beacon.example"),
        ("beacon-help.net", "beacon.example"),
        ("official-beacon-app.io", "beacon.example"),
        ("beacon-login-verify.io", "beacon.example"),
        ("kefu-beacon.com", "beacon.example"),
        ("beacon-service24.com", "beacon.example"),
        ("@BeaconSupport_official", "@BeaconSupportBot"),
        ("@BeaconSupportBot_help", "@BeaconSupportBot"),
        ("@Beacon_Exchange_Help", "@BeaconExchange"),
        ("@BeaconExchangeSupport", "@BeaconExchange"),
        ("support@beacon-help.com", "support@beacon.example"),
        ("wechat: BeaconOfficial_kefu", "BeaconOfficial"),
    ],
)
def test_added_words(value: str, lookalike_of: str) -> None:
    official, _kind, reason, of = check(value)
    assert (official, reason, of) == (False, "lookalike_added_words", lookalike_of)


@pytest.mark.parametrize(
    ("value", "owner"),
    [
        ("beacon.example.com-secure.io", "com-secure.io"),
        ("beacon.example.evil.io", "evil.io"),
        ("https://www.beacon.example.login-check.app/", "login-check.app"),
        ("https://beacon.example@evil.io/login", "evil.io"),  # the part before @ is no host
        ("beacon.com", "beacon.com"),  # the name, under a domain Beacon does not own
        ("beacon.co.uk", "beacon.co.uk"),
        ("secure-beacon.evil.co.uk", "evil.co.uk"),
        ("beacon.support@gmail.com", "gmail.com"),
    ],
)
def test_official_name_under_a_foreign_domain(value: str, owner: str) -> None:
    verdict = verify(value, channels=BEACON)
    assert (verdict.official, verdict.reason) == (False, "official_name_foreign_domain")
    assert verdict.lookalike_of in ("beacon.example", "support@beacon.example")
    assert owner in verdict.message


def test_an_account_named_like_the_exchange_that_it_does_not_own() -> None:
    assert check("@beacon")[:3] == (False, "telegram", "official_name_unlisted")
    assert check("@beacon")[3] in ("@BeaconExchange", "@BeaconSupportBot")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("google.com", "domain"),
        ("https://github.com/kefu", "domain"),
        ("beaconsfield.gov.uk", "domain"),  # contains the name, but is a town
        ("8.8.8.8", "domain"),
        ("joe@gmail.com", "email"),
        ("support@gmail.com", "email"),
        ("@durov", "telegram"),
        ("t.me/+AbCdEf123", "telegram"),
        ("+1 202 555 0123", "phone"),
        ("+44 400 123 4567", "phone"),  # same digits, another country
        ("wechat: lucky888", "wechat"),
    ],
)
def test_plainly_unrelated_values_are_not_listed(value: str, kind: str) -> None:
    assert check(value) == (False, kind, "not_listed", None)


@pytest.mark.parametrize(
    "value", ["security@beacon.example", "admin@mail.beacon.example", "x@www.beacon.example"]
)
def test_unlisted_addresses_at_an_official_domain_are_not_official(value: str) -> None:
    official, kind, reason, of = check(value)
    assert (official, kind, reason) == (False, "email", "unlisted_address")
    assert of in ("support@beacon.example", "noreply@mail.beacon.example")


def test_a_whole_mail_domain_can_be_listed() -> None:
    channels = [*BEACON, PublishedChannel("email", "@beacon.example", "@beacon.example")]
    assert verify("anyone@beacon.example", channels=channels).official
    # Exactly that domain: its sub-domains still need listing.
    assert verify("anyone@mail.beacon.example", channels=channels).reason == "unlisted_address"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("", None),
        ("   ", None),
        ("!!!", None),
        ("x" * 301, None),
        ("@a", None),
        ("not an email", "email"),
    ],
)
def test_bad_input_is_invalid(value: str, kind: str | None) -> None:
    verdict = verify(value, kind, channels=BEACON)
    assert (verdict.official, verdict.reason) == (False, "invalid")
    assert verdict.message


def test_nothing_is_official_when_nothing_is_published() -> None:
    for value in ["beacon.example", "@BeaconSupportBot", "+86 400 123 4567"]:
        assert verify(value, channels=[]).reason == "not_listed"


def test_every_reason_has_a_message() -> None:
    values = {
        "beacon.example",
        "bеacon.example",
        "b3acon.example",
        "beacon-support.example",
        "beacon.example.evil.io",
        "@beacon",
        "google.com",
        "security@beacon.example",
        "!!!",
    }
    reasons = {
        verify(v, channels=BEACON).reason: verify(v, channels=BEACON).message for v in values
    }
    assert set(reasons) == {r.value for r in Reason}
    assert all(message.strip() for message in reasons.values())


# --- stored channels ----------------------------------------------------------------------


@pytest.fixture
def published(db: None) -> list[OfficialChannel]:
    return publish_channels([(kind, value, "") for kind, value in PUBLISHED])


def test_saving_sets_the_normal_form_and_refuses_duplicates(db: None) -> None:
    channel = OfficialChannel.objects.create(kind="domain", value=" https://WWW.Beacon.example/ ")
    assert (channel.value, channel.canonical) == (
        "https://WWW.Beacon.example/",
        "www.beacon.example",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficialChannel.objects.create(kind="domain", value="www.beacon.example")
    bad = OfficialChannel(kind="telegram", value="not a handle")
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "value" in caught.value.message_dict


def test_changes_to_channels_are_recorded(db: None) -> None:
    channel = save_channel(OfficialChannel(kind="telegram", value="@BeaconNews"))
    channel.active = False
    save_channel(channel)
    kinds = list(
        Event.objects.filter(subject_id=str(channel.pk), kind__startswith="official_channel.")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["official_channel.added", "official_channel.changed"]
    assert admin.site.is_registered(OfficialChannel)


def test_verify_reads_active_channels_from_the_database(published: list[OfficialChannel]) -> None:
    assert verify("@BeaconSupportBot").official
    bot = OfficialChannel.objects.get(canonical="@beaconsupportbot")
    bot.active = False
    bot.save()
    assert verify("@BeaconSupportBot").reason == "lookalike_added_words"  # the name + "bot"


def test_demo_channels_are_published_once(db: None) -> None:
    assert load_demo_channels() == len(DEMO_CHANNELS)
    assert load_demo_channels() == 0
    assert verify("https://www.beacon.example/").official
    assert verify("noreply@mail.beacon.example").official
    assert verify("beacon-wallet-support.example").reason == "lookalike_added_words"


# --- API ------------------------------------------------------------------------------------


def test_verify_api(client: Client, published: list[OfficialChannel]) -> None:
    answer = client.get("/api/v1/trust/verify", {"value": "https://www.beacon.example/login"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["official"] is True and body["kind"] == "domain" and body["reason"] == "official"
    assert "lookalike_of" not in body and body["message"]

    body = client.get("/api/v1/trust/verify", {"value": "@Beac0nSupport"}).json()
    assert body == {
        "official": False,
        "kind": "telegram",
        "reason": "lookalike_homoglyph",
        "message": body["message"],
        "lookalike_of": "@BeaconSupportBot",
    }
    body = client.get("/api/v1/trust/verify", {"value": "google.com"}).json()
    assert (body["reason"], "lookalike_of" in body) == ("not_listed", False)
    forced = client.get("/api/v1/trust/verify", {"value": "BeaconOfficial", "kind": "telegram"})
    # As a Telegram account the WeChat id is Beacon's name plus a word, and not listed.
    assert (forced.json()["kind"], forced.json()["reason"]) == ("telegram", "lookalike_added_words")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "value_empty"),
        ({"value": ""}, "value_empty"),
        ({"value": "   "}, "value_empty"),
        ({"value": "a" * 301}, "value_too_long"),
        ({"value": "beacon.example", "kind": "fax"}, "unsupported_kind"),
        ({"value": "beacon.example", "lang": "fr"}, "unsupported_language"),
    ],
)
def test_verify_api_refuses_bad_requests(
    client: Client, published: list[OfficialChannel], params: dict[str, str], code: str
) -> None:
    answer = client.get("/api/v1/trust/verify", params)
    assert answer.status_code == 400
    assert answer.json()["code"] == code


def test_channels_api_lists_active_channels(
    client: Client, published: list[OfficialChannel]
) -> None:
    OfficialChannel.objects.filter(kind="wechat").update(active=False)
    OfficialChannel.objects.filter(canonical="@beaconsupportbot").update(note="Support bot")
    channels = client.get("/api/v1/trust/channels").json()["channels"]
    assert {"kind": "telegram", "value": "@BeaconSupportBot", "note": "Support bot"} in channels
    assert {c["kind"] for c in channels} == {"domain", "email", "telegram", "phone"}
    assert len(channels) == len(PUBLISHED) - 1


def test_trust_endpoints_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/trust/verify", "/api/v1/trust/channels"):
        assert path in paths
        assert "schema" in paths[path]["get"]["responses"]["200"]["content"]["application/json"]
    params = {p["name"] for p in paths["/api/v1/trust/verify"]["get"]["parameters"]}
    assert "value" in params


# --- page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_page_renders_in_both_languages(
    client: Client, published: list[OfficialChannel], lang: str
) -> None:
    page = client.get(f"/{lang}/trust/verify/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'lang="{lang}"' in html
    assert "@BeaconSupportBot" in html and "support@beacon.example" in html
    assert "data-reason" not in html

    page = client.get(f"/{lang}/trust/verify/", {"value": "bеacon.example"}).content.decode()
    assert 'data-reason="lookalike_homoglyph"' in page
    assert "xn--bacon-zwe.example" in page


def test_the_page_explains_an_official_value(
    client: Client, published: list[OfficialChannel]
) -> None:
    page = client.get("/en/trust/verify/", {"value": "support.beacon.example"}).content.decode()
    assert 'data-reason="official"' in page and "verdict-official" in page
    page = client.get("/en/trust/verify/", {"value": "!!!"}).content.decode()
    assert 'data-reason="invalid"' in page


def test_the_help_center_links_to_the_checker(client: Client, db: None) -> None:
    assert 'href="/en/trust/verify/"' in client.get("/en/").content.decode()
