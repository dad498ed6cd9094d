"""The sandbox shop's products, customers and promotion calendar: plausible, seeded, small."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.sandbox.spec import Sale

Json = dict[str, Any]

CATEGORIES = {
    "Apparel": (
        ["Linen", "Merino", "Organic Cotton", "Relaxed", "Cropped", "Everyday", "Heavyweight"],
        ["Tee", "Shirt", "Hoodie", "Sweater", "Chinos", "Shorts", "Jacket", "Dress"],
        ["XS", "S", "M", "L", "XL"],
        (18, 140),
    ),
    "Accessories": (
        ["Canvas", "Leather", "Recycled", "Waxed", "Knit"],
        ["Tote", "Cap", "Beanie", "Belt", "Wallet", "Scarf", "Backpack"],
        ["Black", "Olive", "Sand", "Navy"],
        (14, 120),
    ),
    "Home": (
        ["Stoneware", "Linen", "Wool", "Ceramic", "Oak"],
        ["Mug", "Throw", "Candle", "Planter", "Cushion", "Tray"],
        ["Natural", "Charcoal", "Clay"],
        (12, 95),
    ),
    "Beauty": (
        ["Botanical", "Daily", "Hydrating", "Citrus", "Unscented"],
        ["Soap", "Balm", "Serum", "Lotion", "Body Wash"],
        ["50 ml", "100 ml", "250 ml"],
        (9, 48),
    ),
}
VENDORS = ["Northfield", "Atelier Nord", "Common Thread", "Hearth & Co", "Fieldwork"]
FIRST_NAMES = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Zoe",
    "Ethan",
    "Lily",
    "Lucas",
    "Chloe",
    "Mason",
    "Grace",
    "Leo",
    "Ruby",
    "Owen",
    "Ivy",
    "Wei",
    "Mei",
    "Hana",
    "Kenji",
    "Aarav",
    "Sofia",
    "Mateo",
    "Amara",
    "Yusuf",
    "Elena",
    "Jonas",
    "Nora",
    "Felix",
    "Layla",
    "Omar",
]
LAST_NAMES = [
    "Smith",
    "Chen",
    "Garcia",
    "Johnson",
    "Kim",
    "Patel",
    "Nguyen",
    "Brown",
    "Müller",
    "Rossi",
    "Tanaka",
    "Lopez",
    "Wilson",
    "Li",
    "Singh",
    "Martin",
    "Cohen",
    "Silva",
]
#: (country code, country, share, [(province code, tax basis points)])
COUNTRIES = [
    (
        "US",
        "United States",
        0.88,
        [
            ("NY", 888),
            ("CA", 725),
            ("TX", 625),
            ("WA", 650),
            ("IL", 625),
            ("FL", 600),
            ("OR", 0),
            ("MA", 625),
        ],
    ),
    ("CA", "Canada", 0.06, [("ON", 1300), ("BC", 1200), ("QC", 1498)]),
    ("GB", "United Kingdom", 0.04, [("ENG", 0)]),
    ("AU", "Australia", 0.02, [("NSW", 0)]),
]
CITIES = ["Springfield", "Riverside", "Franklin", "Greenville", "Fairview", "Madison", "Clinton"]


@dataclass(slots=True)
class Promotion:
    code: str
    percent: int
    uplift: float
    usage: float
    free_shipping: bool = False


@dataclass(slots=True)
class Calendar:
    """Promotions and holidays by store-local day."""

    promotions: dict[date, Promotion] = field(default_factory=dict)
    demand: dict[date, float] = field(default_factory=dict)

    @classmethod
    def for_years(cls, years: range) -> Calendar:
        calendar = cls()
        for year in years:
            calendar._year(year)
        return calendar

    def add_sales(self, sales: Iterable[Sale]) -> None:
        """Run ``sales`` too, each in place of any promotion on its days."""
        for sale in sales:
            day = sale.first
            while day <= sale.last:
                self.promotions[day] = Promotion(sale.code, sale.percent, sale.uplift, sale.usage)
                day += timedelta(days=1)

    def campaigns(self) -> list[tuple[str, date, date]]:
        """The promotions as (code, first day, last day), the way a team lists its campaigns."""
        spans: list[tuple[str, date, date]] = []
        for day in sorted(self.promotions):
            code = self.promotions[day].code
            if spans and spans[-1][0] == code and spans[-1][2] + timedelta(days=1) == day:
                spans[-1] = (code, spans[-1][1], day)
            else:
                spans.append((code, day, day))
        return spans

    def _year(self, year: int) -> None:
        def promo(start: date, days: int, promotion: Promotion) -> None:
            for i in range(days):
                self.promotions[start + timedelta(days=i)] = promotion

        promo(date(year, 2, 1), 7, Promotion("FREESHIP", 0, 1.15, 0.4, free_shipping=True))
        promo(date(year, 3, 14), 7, Promotion("SPRING20", 20, 1.45, 0.55))
        promo(date(year, 7, 8), 7, Promotion("SUMMER15", 15, 1.35, 0.5))
        promo(date(year, 11, 11), 1, Promotion("SINGLES11", 11, 1.5, 0.5))
        promo(date(year, 12, 12), 1, Promotion("HOLIDAY12", 12, 1.4, 0.45))
        thanksgiving = _nth_weekday(year, 11, 3, 4)
        black_friday = thanksgiving + timedelta(days=1)
        for offset, uplift in enumerate((3.0, 2.0, 1.9, 2.6)):
            self.promotions[black_friday + timedelta(days=offset)] = Promotion(
                "BFCM25", 25, uplift, 0.65
            )
        self.demand[thanksgiving] = 0.75
        for day in range(1, 21):
            self.demand.setdefault(date(year, 12, day), 1.25)
        self.demand.update(
            {
                date(year, 12, 24): 0.7,
                date(year, 12, 25): 0.45,
                date(year, 12, 26): 0.9,
                date(year, 1, 1): 0.6,
            }
        )
        mothers_day = _nth_weekday(year, 5, 6, 2)
        for day in range(7):
            self.demand.setdefault(mothers_day - timedelta(days=day), 1.15)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def make_products(
    rng: random.Random, count: int, ids: dict[str, int], money_text: Any
) -> list[Json]:
    """Products with variants; each carries private ``_`` keys the generator uses."""
    products = []
    names: set[str] = set()
    categories = list(CATEGORIES)
    for index in range(count):
        category = categories[index % len(categories)]
        adjectives, nouns, options, (low, high) = CATEGORIES[category]
        title = f"{rng.choice(adjectives)} {rng.choice(nouns)}"
        while title in names:
            title = f"{rng.choice(adjectives)} {rng.choice(nouns)} {rng.randint(2, 99)}"
        names.add(title)
        product_id = ids["product"] = ids["product"] + rng.randint(1000, 9000)
        base_price = round(rng.uniform(low, high)) * 100 - 1  # 24.99 style, in cents
        variant_options = rng.sample(options, k=rng.randint(1, min(4, len(options))))
        popularity = rng.paretovariate(1.3)
        variants = []
        for position, option in enumerate(variant_options, start=1):
            variant_id = ids["variant"] = ids["variant"] + rng.randint(100, 900)
            item_id = ids["inventory_item"] = ids["inventory_item"] + rng.randint(100, 900)
            price = base_price + (position - 1) * 200 * (category == "Beauty")
            variants.append(
                {
                    "id": variant_id,
                    "product_id": product_id,
                    "title": option,
                    "price": money_text(price),
                    "sku": f"{category[:3].upper()}-{index:03d}-{position}",
                    "position": position,
                    "inventory_policy": "deny",
                    "compare_at_price": None,
                    "option1": option,
                    "option2": None,
                    "option3": None,
                    "taxable": True,
                    "barcode": None,
                    "grams": rng.randint(80, 900),
                    "inventory_item_id": item_id,
                    "inventory_quantity": 0,
                    "requires_shipping": True,
                    "admin_graphql_api_id": f"gid://shopify/ProductVariant/{variant_id}",
                    "_cost": int(price * rng.uniform(0.3, 0.55)),
                    "_weight": popularity * rng.uniform(0.4, 1.6),
                    "_unreliable": rng.random() < 0.1,
                }
            )
        products.append(
            {
                "id": product_id,
                "title": title,
                "body_html": f"<p>{title} by {VENDORS[index % 5]}.</p>",
                "vendor": VENDORS[index % len(VENDORS)],
                "product_type": category,
                "handle": title.lower().replace(" ", "-"),
                "status": "active",
                "tags": category.lower(),
                "published_scope": "global",
                "template_suffix": None,
                "admin_graphql_api_id": f"gid://shopify/Product/{product_id}",
                "options": [
                    {
                        "id": product_id + 1,
                        "product_id": product_id,
                        "name": "Option",
                        "position": 1,
                        "values": variant_options,
                    }
                ],
                "images": [],
                "image": None,
                "variants": variants,
                "_launch_share": 0.0 if rng.random() < 0.85 else rng.uniform(0.1, 0.9),
            }
        )
    return products


def make_customer(rng: random.Random, ids: dict[str, int]) -> Json:
    """A new customer record; private ``_`` keys hold the generator's behavioural state."""
    customer_id = ids["customer"] = ids["customer"] + rng.randint(1, 9)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    code, country, _, provinces = rng.choices(COUNTRIES, weights=[c[2] for c in COUNTRIES])[0]
    province, tax_bp = rng.choice(provinces)
    return {
        "id": customer_id,
        "email": f"{first.lower()}.{last.lower()}.{customer_id % 100000}@example.com",
        "first_name": first,
        "last_name": last,
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": None,
        "tags": "",
        "currency": "USD",
        "tax_exemptions": [],
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "default_address": {
            "id": customer_id + 1,
            "customer_id": customer_id,
            "first_name": first,
            "last_name": last,
            "company": None,
            "address1": f"{rng.randint(1, 999)} Main Street",
            "address2": "",
            "city": rng.choice(CITIES),
            "province": province,
            "country": country,
            "zip": f"{rng.randint(10000, 99999)}",
            "phone": None,
            "name": f"{first} {last}",
            "province_code": province,
            "country_code": code,
            "country_name": country,
            "default": True,
        },
        "_marketing": rng.random() < 0.45,
        "_tax_bp": tax_bp,
        "_loyalty": rng.betavariate(2, 4),
    }
