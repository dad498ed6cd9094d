"""An order's marketing source: the channel mapping table, and what is kept of a landing URL."""

from __future__ import annotations

import dataclasses

import pytest

from connectors.adspend import CHANNELS as SPEND_CHANNELS
from connectors.attribution import AD_CHANNELS, from_landing, marketing_channel


@pytest.mark.parametrize(
    ("source", "medium", "click_id", "referrer", "channel"),
    [
        # paid mediums map by source
        ("google", "cpc", None, None, "google_ads"),
        ("Google", "PPC", None, None, "google_ads"),
        ("youtube", "paid", None, None, "google_ads"),
        ("facebook", "paid", None, None, "meta"),
        ("ig", "paid_social", None, None, "meta"),
        ("fb", "cpc", "fbclid", None, "meta"),
        ("douyin", "cpc", None, None, "ocean_engine"),
        ("巨量引擎", "paid", None, None, "ocean_engine"),
        ("bing", "cpc", None, None, "paid_other"),
        ("tiktok", "paid", None, None, "paid_other"),
        # click ids without tags
        (None, None, "gclid", "https://www.google.com/", "google_ads"),
        (None, None, "wbraid", None, "google_ads"),
        (None, None, "fbclid", "https://l.facebook.com/", "meta"),
        # a Google ad click is an ad click whatever the tags say; Meta's fbclid is not
        ("newsletter", "email", "gclid", None, "google_ads"),
        ("instagram", "social", "fbclid", None, "organic"),
        # unpaid tags
        ("klaviyo", "flow", None, None, "email"),
        ("weekly", "email", None, None, "email"),
        ("google", "organic", None, None, "organic"),
        ("partner.example", "referral", None, None, "referral"),
        ("google", None, None, None, "unassigned"),
        ("podcast", "audio", None, None, "unassigned"),
        # untagged: by referrer
        (None, None, None, "www.google.co.uk", "organic"),
        (None, None, None, "m.baidu.com", "organic"),
        (None, None, None, "t.co", "organic"),
        (None, None, None, "microsoft.co", "referral"),
        (None, None, None, "www.otherexample.com", "referral"),
        (None, None, None, None, "direct"),
    ],
)
def test_the_channel_mapping_table(
    source: str | None, medium: str | None, click_id: str | None, referrer: str | None, channel: str
) -> None:
    assert marketing_channel(source, medium, click_id, referrer) == channel


def test_every_ad_channel_attributed_to_is_an_ad_spend_channel() -> None:
    assert set(AD_CHANNELS) <= set(SPEND_CHANNELS)


def test_only_utm_values_and_the_click_ids_name_are_kept_of_a_landing_url() -> None:
    found = from_landing(
        "/products/tote?utm_source=google&utm_medium=cpc&utm_campaign=Brand+search"
        "&gclid=EAIaIQobChMI&email=ann%40example.com&token=s3cret",
        "https://www.google.com/search?q=ann+lee",
    )
    assert dataclasses.astuple(found) == ("google", "cpc", "Brand search", "gclid", "google_ads")
    kept = repr(found)
    for secret in ("EAIaIQ", "example.com", "s3cret", "ann+lee"):
        assert secret not in kept


def test_platform_recorded_tags_win_and_placeholders_are_no_tags() -> None:
    found = from_landing(
        "https://shop.example/?utm_source=bing&utm_medium=cpc",
        None,
        {"utm_source": "facebook", "utm_medium": "paid", "utm_campaign": "Retargeting 14d"},
    )
    assert (found.utm_source, found.marketing_channel) == ("facebook", "meta")
    typed_in = from_landing(None, None, {"utm_source": "(direct)", "utm_medium": "(none)"})
    assert (typed_in.utm_source, typed_in.marketing_channel) == (None, "direct")


def test_a_malformed_url_tells_nothing_and_raises_nothing() -> None:
    assert from_landing("http://[::1/?utm_source=x", "http://[bad").marketing_channel == "direct"


def test_long_and_padded_values_are_trimmed_to_the_column() -> None:
    found = from_landing(f"/?utm_campaign=%20{'x' * 400}", None)
    assert found.utm_campaign == "x" * 255
