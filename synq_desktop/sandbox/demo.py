"""The demo catalog: a deterministic, realistic Synq catalog generated from a seed.

`generate_catalog(n_products, seed)` returns plain lists of dicts with API.md's field names (no tenant or
org: the server adds those when it seeds a tenant). Same seed, same catalog, ids included: every id comes
from one seeded `random.Random`. Timestamps are spread over the year before `until` (default: the start
of the current UTC day, so they never lie in the server's future); the random stream does not depend on
`until`, so only the timestamps move with it.

The catalog is clean except for records broken on purpose: for any `n_products >= 10` at least one record
triggers every `issue_type` a server lists (API.md's rules table without the client-only INVALID_SLUG).
`DemoCatalog.deliberate_issues` names them, so tests and demos can find them. A few more warnings
(missing descriptions, missing alt text) occur at random, as in a real catalog.

It is built for speed (10,000 products, ~45,000 variants, in well under two seconds): ids are formatted
from random bits directly, timestamps from cached day strings, and no per-record validation runs here.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from synq_desktop.domain.gtin import complete_gtin
from synq_desktop.domain.slug import slugify

Record = dict[str, Any]

# Issue types a server lists (API.md's rules table; INVALID_SLUG is client side only).
SERVER_ISSUE_TYPES: tuple[str, ...] = (
    "MISSING_TITLE",
    "DUPLICATE_SKU",
    "INVALID_BARCODE",
    "INVALID_CURRENCY",
    "INVALID_PRICE",
    "MISSING_REQUIRED_ATTRIBUTE",
    "MISSING_DESCRIPTION",
    "NO_VARIANTS",
    "MISSING_ALT_TEXT",
)

# Anything below this many products cannot hold one deliberate problem per product without overlaps.
MIN_PRODUCTS_FOR_ALL_ISSUES = 10


@dataclass
class DemoCatalog:
    """A whole catalog as plain records, in an order that satisfies every reference (parents first)."""

    seed: int
    categories: list[Record] = field(default_factory=list)
    brands: list[Record] = field(default_factory=list)
    attributes: list[Record] = field(default_factory=list)
    attribute_values: list[Record] = field(default_factory=list)
    attribute_groups: list[Record] = field(default_factory=list)
    templates: list[Record] = field(default_factory=list)
    products: list[Record] = field(default_factory=list)
    variants: list[Record] = field(default_factory=list)
    # {"variant_id", "attribute_value_id", "attribute_id"}
    variant_attribute_values: list[Record] = field(default_factory=list)
    # {"product_id", "attribute_value_id", "attribute_id"}
    product_attribute_values: list[Record] = field(default_factory=list)
    media: list[Record] = field(default_factory=list)
    # issue_type -> ids of the records broken on purpose to show it (products, variants or media).
    deliberate_issues: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Number of records of each kind (what /_admin/demo reports)."""
        return {
            "categories": len(self.categories),
            "brands": len(self.brands),
            "attributes": len(self.attributes),
            "attribute_values": len(self.attribute_values),
            "attribute_groups": len(self.attribute_groups),
            "templates": len(self.templates),
            "products": len(self.products),
            "variants": len(self.variants),
            "variant_attribute_values": len(self.variant_attribute_values),
            "product_attribute_values": len(self.product_attribute_values),
            "media": len(self.media),
        }


# ---------------------------------------------------------------------------------------------------
# The fixed vocabulary. A leaf category names its product nouns, its size axis and a USD price range.

@dataclass(frozen=True)
class _Leaf:
    name: str
    nouns: tuple[str, ...]
    sizes: tuple[str, ...]
    price_usd: tuple[int, int]
    waterproof: bool = False


_APPAREL = ("XS", "S", "M", "L", "XL", "XXL")
_GEAR = ("S", "M", "L")
_ONE = ("One Size",)

_TAXONOMY: dict[str, dict[str, tuple[_Leaf, ...]]] = {
    "Clothing": {
        "Men": (
            _Leaf("T-Shirts", ("Crew Tee", "Pocket Tee", "Henley", "V-Neck Tee"), _APPAREL, (19, 45)),
            _Leaf("Sweaters", ("Crew Sweater", "Cardigan", "Quarter-Zip Sweater", "Cable Knit Jumper"),
                  _APPAREL, (59, 149)),
            _Leaf("Jackets", ("Rain Jacket", "Down Jacket", "Bomber Jacket", "Field Jacket"), _APPAREL,
                  (99, 349), waterproof=True),
        ),
        "Women": (
            _Leaf("Dresses", ("Wrap Dress", "Shirt Dress", "Midi Dress", "Slip Dress"), _APPAREL, (49, 189)),
            _Leaf("Tops", ("Blouse", "Tank Top", "Turtleneck", "Linen Shirt"), _APPAREL, (25, 89)),
            _Leaf("Coats", ("Trench Coat", "Puffer Jacket", "Wool Coat", "Parka"), _APPAREL, (129, 399),
                  waterproof=True),
        ),
        "Kids": (
            _Leaf("Hoodies", ("Zip Hoodie", "Pullover Hoodie", "Fleece Hoodie"), ("XS", "S", "M", "L"), (25, 59)),
            _Leaf("Rainwear", ("Rain Suit", "Puddle Jacket", "Rain Poncho"), ("XS", "S", "M", "L"), (29, 79),
                  waterproof=True),
        ),
    },
    "Outdoor": {
        "Camping": (
            _Leaf("Tents", ("Dome Tent", "Ultralight Tent", "Tunnel Tent", "Backpacking Tent"),
                  ("1 Person", "2 Person", "3 Person", "4 Person"), (129, 649), waterproof=True),
            _Leaf("Sleeping Bags", ("Down Sleeping Bag", "Synthetic Sleeping Bag", "Mummy Bag"),
                  ("Regular", "Long"), (89, 459)),
            _Leaf("Stoves", ("Canister Stove", "Multi-Fuel Stove", "Camp Kitchen"), _ONE, (39, 229)),
        ),
        "Hiking": (
            _Leaf("Backpacks", ("Daypack", "Trekking Pack", "Hydration Pack", "Alpine Pack"),
                  ("20 L", "30 L", "45 L", "60 L"), (49, 299), waterproof=True),
            _Leaf("Footwear", ("Hiking Boot", "Trail Runner", "Approach Shoe", "Gaiter"),
                  ("38", "39", "40", "41", "42", "43", "44", "45", "46"), (89, 259), waterproof=True),
            _Leaf("Trekking Poles", ("Carbon Trekking Poles", "Folding Poles", "Aluminium Poles"), _GEAR,
                  (39, 179)),
        ),
    },
    "Home": {
        "Kitchen": (
            _Leaf("Cookware", ("Cast Iron Skillet", "Saucepan", "Dutch Oven", "Wok"),
                  ("20 cm", "24 cm", "28 cm"), (29, 249)),
            _Leaf("Tableware", ("Stoneware Mug", "Dinner Plate Set", "Serving Bowl", "Pasta Bowl"), _ONE,
                  (12, 89)),
            _Leaf("Knives", ("Chef Knife", "Paring Knife", "Bread Knife", "Santoku Knife"),
                  ("Small", "Medium", "Large"), (29, 189)),
        ),
        "Bedding": (
            _Leaf("Duvet Covers", ("Linen Duvet Cover", "Percale Duvet Cover", "Sateen Duvet Cover"),
                  ("Single", "Double", "Queen", "King"), (59, 229)),
            _Leaf("Pillows", ("Down Pillow", "Memory Foam Pillow", "Buckwheat Pillow"), ("Standard", "King"),
                  (25, 99)),
            _Leaf("Throws", ("Wool Throw", "Waffle Blanket", "Knitted Throw"), _ONE, (39, 159)),
        ),
        "Decor": (
            _Leaf("Lamps", ("Table Lamp", "Floor Lamp", "Pendant Lamp", "Desk Lamp"), ("Small", "Large"),
                  (39, 299)),
            _Leaf("Rugs", ("Jute Rug", "Wool Rug", "Runner Rug"), ("120x170 cm", "160x230 cm", "200x300 cm"),
                  (79, 599)),
            _Leaf("Cushions", ("Linen Cushion", "Velvet Cushion", "Outdoor Cushion"), ("45x45 cm", "50x50 cm"),
                  (19, 69)),
        ),
    },
    "Electronics": {
        "Audio": (
            _Leaf("Headphones", ("Wireless Headphones", "Studio Headphones", "Noise-Cancelling Headphones"),
                  _ONE, (59, 399)),
            _Leaf("Speakers", ("Bluetooth Speaker", "Bookshelf Speaker", "Smart Speaker", "Soundbar"),
                  ("Compact", "Standard"), (39, 499), waterproof=True),
            _Leaf("Earbuds", ("True Wireless Earbuds", "Sport Earbuds", "Wired Earbuds"), _ONE, (19, 249)),
        ),
        "Computing": (
            _Leaf("Keyboards", ("Mechanical Keyboard", "Low-Profile Keyboard", "Compact Keyboard"),
                  ("ANSI", "ISO"), (49, 219)),
            _Leaf("Mice", ("Wireless Mouse", "Ergonomic Mouse", "Travel Mouse"), _ONE, (19, 129)),
            _Leaf("Monitors", ("27-inch Monitor", "Ultrawide Monitor", "Portable Monitor"), _ONE, (179, 899)),
        ),
        "Mobile": (
            _Leaf("Chargers", ("USB-C Charger", "Wireless Charging Pad", "Car Charger"), ("20 W", "45 W", "65 W"),
                  (15, 79)),
            _Leaf("Power Banks", ("Slim Power Bank", "Rugged Power Bank", "MagSafe Power Bank"),
                  ("5000 mAh", "10000 mAh", "20000 mAh"), (25, 119), waterproof=True),
            _Leaf("Phone Cases", ("Leather Case", "Clear Case", "Rugged Case"), ("Standard", "Plus", "Pro Max"),
                  (15, 59)),
        ),
    },
}

_DEPARTMENT_BLURB = {
    "Clothing": "Everyday clothing cut for comfort and made to last.",
    "Outdoor": "Gear for trails, mountains and campsites.",
    "Home": "Well-made things for the kitchen, bedroom and living room.",
    "Electronics": "Audio, computing and mobile accessories.",
}

_COLORS: tuple[tuple[str, str], ...] = (
    ("Black", "BLK"), ("White", "WHT"), ("Navy", "NVY"), ("Red", "RED"), ("Forest Green", "FGR"),
    ("Grey", "GRY"), ("Sand", "SND"), ("Olive", "OLV"), ("Burgundy", "BRG"), ("Sky Blue", "SKY"),
    ("Charcoal", "CHR"), ("Ochre", "OCH"),
)

# Materials by section (the middle level), so a bowl is never made of velvet.
_COLOR_SLUGS = {name: slugify(name) for name, _code in _COLORS}

_MATERIALS = {
    "Men": ("Merino Wool", "Organic Cotton", "Linen", "Recycled Polyester", "Gore-Tex"),
    "Women": ("Merino Wool", "Organic Cotton", "Linen", "Silk", "Cashmere Blend", "Recycled Polyester"),
    "Kids": ("Organic Cotton", "Recycled Polyester", "Fleece"),
    "Camping": ("Ripstop Nylon", "Recycled Polyester", "Aluminium", "Goose Down", "Titanium"),
    "Hiking": ("Ripstop Nylon", "Leather", "Carbon Fibre", "Aluminium", "Recycled Polyester"),
    "Kitchen": ("Stoneware", "Cast Iron", "Stainless Steel", "Porcelain", "Carbon Steel"),
    "Bedding": ("Linen", "Organic Cotton", "Wool", "Bamboo Lyocell"),
    "Decor": ("Oak", "Jute", "Velvet", "Linen", "Brass", "Ceramic"),
    "Audio": ("Aluminium", "Recycled Plastic", "Walnut", "Fabric Mesh"),
    "Computing": ("Aluminium", "Recycled Plastic", "PBT Plastic"),
    "Mobile": ("Silicone", "Leather", "Recycled Plastic", "Tempered Glass"),
}

_ADJECTIVES = (
    "Classic", "Essential", "Alpine", "Coastal", "Heritage", "Urban", "Nordic", "Everyday", "Summit",
    "Trail", "Harbour", "Meadow", "Granite", "Studio", "Prime", "Voyager", "Ember", "Drift", "Timber", "Polar",
)

_FEATURES = {
    "Clothing": (
        "Soft against the skin and breathable all day.",
        "Cut for a relaxed fit that layers easily.",
        "Reinforced seams keep it in shape wash after wash.",
        "Made in a family-run mill from traceable fibres.",
    ),
    "Outdoor": (
        "Light enough for long days, tough enough for rough ground.",
        "Tested in wind, rain and snow before it reached you.",
        "Packs down small and sets up in minutes.",
        "Built with replaceable parts so it lasts for seasons.",
    ),
    "Home": (
        "Designed for daily use and easy to care for.",
        "Finished by hand in small batches.",
        "A quiet, timeless shape that suits any room.",
        "Made from materials that age beautifully.",
    ),
    "Electronics": (
        "Pairs in seconds and remembers up to eight devices.",
        "All-day battery life with fast USB-C charging.",
        "Firmware updates add features over time.",
        "Tuned for clear, balanced sound and low latency.",
    ),
}

_CARE = {
    "Clothing": "Machine wash cold, dry flat.",
    "Outdoor": "Wipe clean and dry before storing.",
    "Home": "Hand wash recommended.",
    "Electronics": "Keep away from extreme heat.",
}

_BRANDS: tuple[tuple[str, str], ...] = (
    ("Nordvik", "Scandinavian outdoor apparel."),
    ("Fjellheim", "Mountain gear from the Norwegian fjords."),
    ("Alder & Oak", "Homeware crafted from natural materials."),
    ("Kestrel", "Lightweight technical clothing."),
    ("Lumen Labs", "Lighting and small electronics."),
    ("Corvid Audio", "Headphones and speakers tuned by ear."),
    ("Saltmarsh", "Coastal-inspired linens and knitwear."),
    ("Tidewater", "Rainwear and waterproof bags."),
    ("Brightfield", "Kitchen tools for everyday cooks."),
    ("Hearthstone", "Cast iron and stoneware since 1921."),
    ("Ironbark", "Rugged gear for long expeditions."),
    ("Peregrine", "Chargers, cables and mobile accessories."),
)

# Which brands make what: by department (indexes into _BRANDS).
_BRANDS_BY_DEPARTMENT = {
    "Clothing": (0, 3, 6, 7),
    "Outdoor": (0, 1, 3, 7, 10),
    "Home": (2, 4, 6, 8, 9),
    "Electronics": (4, 5, 11),
}

# (slug, name, type); values of SELECT attributes are fixed, TEXT/NUMBER values are made as needed.
_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("color", "Color", "SELECT"),
    ("size", "Size", "SELECT"),
    ("material", "Material", "TEXT"),
    ("weight-g", "Weight (g)", "NUMBER"),
    ("waterproof", "Waterproof", "BOOLEAN"),
    ("warranty-years", "Warranty (years)", "NUMBER"),
    ("care-instructions", "Care instructions", "TEXT"),
)

_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Basics", "Options every variant is sold in.", ("color", "size")),
    ("Materials and care", "What it is made of and how to look after it.", ("material", "care-instructions")),
    ("Technical", "Specifications for gear and devices.", ("weight-g", "waterproof", "warranty-years")),
)

# Template per department: (name, description, groups, required attribute slugs).
_TEMPLATES = {
    "Clothing": ("Apparel", "Garments sold by color and size.", ("Basics", "Materials and care"),
                 ("color", "size", "material")),
    "Outdoor": ("Outdoor gear", "Equipment with technical specifications.", ("Basics", "Technical",
                "Materials and care"), ("color", "size", "weight-g")),
    "Home": ("Home goods", "Homeware and furnishings.", ("Basics", "Materials and care"),
             ("color", "material")),
    "Electronics": ("Electronics", "Devices and accessories with a warranty.", ("Basics", "Technical"),
                    ("color", "warranty-years")),
}

# The product-level attribute each template requires (the one a deliberately broken product lacks).
_PRODUCT_LEVEL_REQUIRED = {"Clothing": "material", "Outdoor": "weight-g", "Home": "material",
                           "Electronics": "warranty-years"}

# Currency, share of products, rate from USD, decimals.
_CURRENCIES: tuple[tuple[str, float, float, int], ...] = (
    ("USD", 0.55, 1.0, 2), ("EUR", 0.2, 0.92, 2), ("GBP", 0.1, 0.79, 2), ("SEK", 0.06, 10.5, 2),
    ("JPY", 0.06, 150.0, 0), ("KWD", 0.03, 0.31, 3),
)

_STATUSES = (("ACTIVE", 0.86), ("DRAFT", 0.1), ("ARCHIVED", 0.04))

_YEAR_SECONDS = 365 * 86400


# ---------------------------------------------------------------------------------------------------

class _Builder:
    def __init__(self, seed: int, until: datetime) -> None:
        self.rng = random.Random(seed)
        self.until = until.astimezone(UTC)
        self._until_us = int(self.until.timestamp() * 1_000_000)
        self._days: dict[int, str] = {}

    def uid(self) -> str:
        """A version-4 UUID from the seeded stream (same as uuid.UUID(int=..., version=4), faster)."""
        n = self.rng.getrandbits(128)
        n = (n & ~(0xF000 << 64)) | (4 << 76)
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def stamp(self, seconds_before: float) -> str:
        """ISO 8601 UTC with `Z`, fixed width (like the server clock), `seconds_before` until."""
        moment_us = self._until_us - int(seconds_before * 1_000_000)
        seconds, micros = divmod(moment_us, 1_000_000)
        day, rest = divmod(seconds, 86400)
        date = self._days.get(day)
        if date is None:
            date = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
            self._days[day] = date
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{date}T{hours:02d}:{minutes:02d}:{secs:02d}.{micros:06d}Z"


def _money(minor: int, decimals: int) -> str:
    """Minor units as the exact decimal text of the currency ("8999", 2 -> "89.99")."""
    if decimals == 0:
        return str(minor)
    whole, frac = divmod(minor, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}"


def _price_minor(rng: random.Random, usd_low: int, usd_high: int, rate: float, decimals: int) -> int:
    """A shop-like price in minor units: .99 endings, round yen, half-dinars."""
    usd = rng.uniform(usd_low, usd_high)
    amount = usd * rate
    if decimals == 0:
        return max(100, round(amount / 100.0) * 100)
    if decimals == 3:
        return max(500, round(amount * 2) * 500)
    return max(99, int(amount) * 100 + 99)


def _product_code(noun: str, number: int) -> str:
    letters = "".join(word[0] for word in noun.replace("-", " ").split() if word[0].isalpha()).upper()
    letters = (letters + "XXX")[:3]
    return f"{letters}{number:05d}"


def _size_code(size: str) -> str:
    return "".join(ch for ch in size.upper() if ch.isalnum())


def _default_until() -> datetime:
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def generate_catalog(n_products: int = 500, seed: int = 0, until: datetime | None = None) -> DemoCatalog:
    """A deterministic demo catalog of `n_products` products (0 gives the taxonomy alone).

    `until` is the newest moment a timestamp may have (default: the start of today, UTC).
    """
    if n_products < 0:
        raise ValueError("n_products cannot be negative")
    b = _Builder(seed, until or _default_until())
    rng = b.rng
    cat = DemoCatalog(seed=seed)
    taxonomy_age = _YEAR_SECONDS + 30 * 86400  # the taxonomy predates every product

    def taxonomy_stamps() -> tuple[str, str]:
        created = taxonomy_age - rng.uniform(0, 86400 * 20)
        return b.stamp(created), b.stamp(created - rng.uniform(0, 86400 * 5))

    # Attributes and their SELECT values.
    attr_ids: dict[str, str] = {}
    for slug, name, kind in _ATTRIBUTES:
        created, updated = taxonomy_stamps()
        attr_ids[slug] = b.uid()
        cat.attributes.append({"id": attr_ids[slug], "name": name, "slug": slug, "type": kind,
                               "created_at": created, "updated_at": updated})
    values: dict[tuple[str, str], str] = {}  # (attribute slug, value slug) -> value id
    by_label: dict[tuple[str, str], str] = {}  # (attribute slug, label) -> value id: skips slugify

    def value_id(attr_slug: str, label: str) -> str:
        found = by_label.get((attr_slug, label))
        if found is not None:
            return found
        key = (attr_slug, slugify(label))
        found = values.get(key)
        if found is None:
            found = values[key] = b.uid()
            cat.attribute_values.append({"id": found, "attribute_id": attr_ids[attr_slug], "value": label,
                                         "slug": key[1], "created_at": taxonomy_stamps()[0]})
        by_label[(attr_slug, label)] = found
        return found

    for color, _code in _COLORS:
        value_id("color", color)
    for label in ("true", "false"):
        value_id("waterproof", label)

    # Attribute groups and templates.
    group_ids: dict[str, str] = {}
    for name, description, slugs in _GROUPS:
        created, updated = taxonomy_stamps()
        group_ids[name] = b.uid()
        cat.attribute_groups.append({"id": group_ids[name], "name": name, "description": description,
                                     "attribute_ids": [attr_ids[s] for s in slugs],
                                     "created_at": created, "updated_at": updated})
    template_ids: dict[str, str] = {}
    for department, (name, description, groups, required) in _TEMPLATES.items():
        created, updated = taxonomy_stamps()
        template_ids[department] = b.uid()
        cat.templates.append({"id": template_ids[department], "name": name, "description": description,
                              "attribute_group_ids": [group_ids[g] for g in groups],
                              "required_attribute_ids": [attr_ids[s] for s in required],
                              "created_at": created, "updated_at": updated})

    # Brands.
    brand_ids: list[str] = []
    for number, (name, description) in enumerate(_BRANDS, start=1):
        created, updated = taxonomy_stamps()
        brand_ids.append(b.uid())
        cat.brands.append({"id": brand_ids[-1], "name": name, "description": description,
                           "logo_url": f"/files/demo/brand-{number}.png",
                           "created_at": created, "updated_at": updated})

    # The category tree; leaves carry products.
    leaves: list[tuple[str, str, _Leaf, Record]] = []

    def add_category(name: str, slug: str, parent: str | None, description: str) -> Record:
        created, updated = taxonomy_stamps()
        record = {"id": b.uid(), "parent_id": parent, "name": name, "slug": slug, "description": description,
                  "created_at": created, "updated_at": updated}
        cat.categories.append(record)
        return record

    for department, sections in _TAXONOMY.items():
        top = add_category(department, slugify(department), None, _DEPARTMENT_BLURB[department])
        for section, section_leaves in sections.items():
            middle = add_category(section, slugify(f"{department} {section}"), top["id"],
                                  f"{section} in {department.lower()}.")
            for leaf in section_leaves:
                record = add_category(leaf.name, slugify(f"{section} {leaf.name}"), middle["id"],
                                      f"{leaf.name} for {section.lower()}.")
                leaves.append((department, section, leaf, record))

    # Which products carry a deliberate problem (distinct products when there are enough of them).
    plan: dict[int, str] = {}
    if n_products:
        kinds = list(SERVER_ISSUE_TYPES)
        slots = rng.sample(range(n_products), min(len(kinds), n_products))
        for index, kind in zip(slots, kinds, strict=False):
            plan[index] = kind
    cat.deliberate_issues = {kind: [] for kind in SERVER_ISSUE_TYPES}

    currency_weights = [c[1] for c in _CURRENCIES]
    status_names = [s[0] for s in _STATUSES]
    status_weights = [s[1] for s in _STATUSES]
    barcode_serial = rng.randrange(10**8)
    duplicate_holder: Record | None = None

    for index in range(n_products):
        department, section, leaf, leaf_category = leaves[rng.randrange(len(leaves))]
        problem = plan.get(index)
        noun = leaf.nouns[rng.randrange(len(leaf.nouns))]
        brand_index = _BRANDS_BY_DEPARTMENT[department][rng.randrange(len(_BRANDS_BY_DEPARTMENT[department]))]
        brand_name = _BRANDS[brand_index][0]
        material = _MATERIALS[section][rng.randrange(len(_MATERIALS[section]))]
        adjective = _ADJECTIVES[rng.randrange(len(_ADJECTIVES))]
        title = f"{brand_name} {adjective} {noun}"
        features = _FEATURES[department]
        description: str | None = (
            f"The {adjective} {noun.lower()} from {brand_name}, in {material.lower()}. "
            f"{features[rng.randrange(len(features))]} {_CARE[department]}"
        )
        if rng.random() < 0.01:
            description = None  # a few real-life gaps beyond the deliberate one
        if problem == "MISSING_TITLE":
            title = ""
        elif problem == "MISSING_DESCRIPTION":
            description = None
        product_id = b.uid()
        created_age = rng.uniform(86400, _YEAR_SECONDS)
        updated_age = created_age * rng.random()
        status = rng.choices(status_names, status_weights)[0]
        product = {
            "id": product_id, "title": title, "description": description, "category": leaf_category["slug"],
            "category_id": leaf_category["id"], "brand_id": brand_ids[brand_index],
            "template_id": template_ids[department], "status": status,
            "created_at": b.stamp(created_age), "updated_at": b.stamp(updated_age),
        }
        if problem == "NO_VARIANTS":
            # A draft someone started: no template yet, so it lacks nothing but its variants.
            product["template_id"] = None
            product["status"] = "DRAFT"
        cat.products.append(product)
        if problem in ("MISSING_TITLE", "MISSING_DESCRIPTION", "NO_VARIANTS", "MISSING_REQUIRED_ATTRIBUTE"):
            cat.deliberate_issues[problem].append(product_id)

        # Product-level attribute values (what the template requires beyond the variant options).
        lacking = _PRODUCT_LEVEL_REQUIRED[department] if problem == "MISSING_REQUIRED_ATTRIBUTE" else None
        product_values: list[tuple[str, str]] = []
        if department in ("Clothing", "Home", "Outdoor"):
            product_values.append(("material", material))
            product_values.append(("care-instructions", _CARE[department]))
        if department in ("Outdoor", "Electronics"):
            product_values.append(("weight-g", str(rng.randrange(1, 60) * 50)))
        if department == "Electronics":
            product_values.append(("warranty-years", str(rng.choice((1, 2, 3)))))
        if leaf.waterproof:
            product_values.append(("waterproof", "true" if rng.random() < 0.8 else "false"))
        for attr_slug, label in product_values:
            if attr_slug == lacking:
                continue
            cat.product_attribute_values.append({"product_id": product_id,
                                                 "attribute_value_id": value_id(attr_slug, label),
                                                 "attribute_id": attr_ids[attr_slug]})

        # Variants: a few colors times consecutive sizes, at most eight.
        count = 0 if problem == "NO_VARIANTS" else rng.randint(1, 8)
        color_picks = rng.sample(_COLORS, min(len(_COLORS), rng.randint(1, 3)))
        if count:
            color_picks = color_picks[:count]
        per_color = -(-count // max(1, len(color_picks))) if count else 0
        per_color = min(per_color, len(leaf.sizes))
        start = rng.randrange(len(leaf.sizes) - per_color + 1) if per_color else 0
        combos = [(color, size) for color in color_picks for size in leaf.sizes[start:start + per_color]][:count]
        cur_code, _share, rate, decimals = rng.choices(_CURRENCIES, currency_weights)[0]
        base_minor = _price_minor(rng, leaf.price_usd[0], leaf.price_usd[1], rate, decimals)
        code = _product_code(noun, index + 1)
        variant_ids_by_color: dict[str, str] = {}
        for position, ((color, color_code), size) in enumerate(combos):
            variant_id = b.uid()
            sku = f"{code}-{color_code}-{_size_code(size)}"
            barcode_serial += 1
            barcode = complete_gtin(f"20{barcode_serial % 10**10:010d}")
            price_minor = base_minor
            if size == leaf.sizes[-1] and len(leaf.sizes) > 2 and rng.random() < 0.5:
                step = 500 if decimals == 3 else 100  # the largest size often costs about 10% more
                price_minor = base_minor + base_minor // (10 * step) * step
            price: str | None = _money(price_minor, decimals)
            cost_price = _money(price_minor * rng.randint(35, 60) // 100, decimals) if rng.random() < 0.8 else None
            currency = cur_code
            broken = problem if position == 0 else None
            if broken == "INVALID_BARCODE":
                barcode = barcode[:-1] + str((int(barcode[-1]) + 1) % 10)
            elif broken == "INVALID_CURRENCY":
                currency = "UKP"  # a classic slip for GBP; not an ISO 4217 code
            elif broken == "INVALID_PRICE":
                price = f"{_money(price_minor, decimals)}5" if decimals else f"{price_minor}.5"
            v_created = created_age - rng.uniform(0, min(created_age, 86400 * 2))
            variant = {
                "id": variant_id, "product_id": product_id, "sku": sku, "barcode": barcode, "price": price,
                "currency": currency, "cost_price": cost_price,
                "option_values": {"color": color, "size": size},
                "created_at": b.stamp(v_created), "updated_at": b.stamp(v_created * rng.random()),
            }
            cat.variants.append(variant)
            if broken in ("INVALID_BARCODE", "INVALID_CURRENCY", "INVALID_PRICE"):
                cat.deliberate_issues[broken].append(variant_id)
            elif broken == "DUPLICATE_SKU":
                duplicate_holder = variant
            for attr_slug, label in (("color", color), ("size", size)):
                cat.variant_attribute_values.append({"variant_id": variant_id,
                                                     "attribute_value_id": value_id(attr_slug, label),
                                                     "attribute_id": attr_ids[attr_slug]})
            variant_ids_by_color.setdefault(color, variant_id)

        # Media: product shots, and one per color on its first variant.
        shots = rng.randint(1, 3)
        image_base = code.lower()
        media_position = 0
        for shot in range(shots):
            media_position += 1
            alt: str | None = f"{title or noun} — view {shot + 1}"
            if rng.random() < 0.02:
                alt = None
            if problem == "MISSING_ALT_TEXT" and shot == 0:
                alt = None
            m_created = created_age - rng.uniform(0, min(created_age, 86400))
            media_id = b.uid()
            cat.media.append({"id": media_id, "product_id": product_id, "variant_id": None,
                              "url": f"/files/demo/{image_base}-{shot + 1}.png", "alt_text": alt,
                              "sort_order": shot, "created_at": b.stamp(m_created),
                              "updated_at": b.stamp(m_created * rng.random())})
            if problem == "MISSING_ALT_TEXT" and shot == 0:
                cat.deliberate_issues[problem].append(media_id)
        for color, variant_id in variant_ids_by_color.items():
            m_created = created_age - rng.uniform(0, min(created_age, 86400))
            cat.media.append({"id": b.uid(), "product_id": product_id, "variant_id": variant_id,
                              "url": f"/files/demo/{image_base}-{_COLOR_SLUGS[color]}.png",
                              "alt_text": f"{title or noun} in {color}", "sort_order": media_position,
                              "created_at": b.stamp(m_created), "updated_at": b.stamp(m_created * rng.random())})
            media_position += 1

    # The duplicate SKU is copied once every product exists: from another product's variant, so both
    # holders are listed (the SKU is not unique in the tenant any more).
    if duplicate_holder is not None:
        others = [v for v in cat.variants if v["product_id"] != duplicate_holder["product_id"]]
        if others:
            original = others[rng.randrange(len(others))]
            duplicate_holder["sku"] = original["sku"]
            cat.deliberate_issues["DUPLICATE_SKU"] = [original["id"], duplicate_holder["id"]]
    return cat
