"""Value tables behind the synthetic Rick.ai sessions (Russian-market web analytics)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    source_medium: str
    channel_type: str  # free | paid | email
    channel_group: str
    channel_grouping: str
    weight: float
    campaigns: tuple[tuple[str, str], ...] = ()  # (campaign, campaign_type)
    keywords: tuple[str, ...] = ()
    ad_contents: tuple[str, ...] = ()
    cost_min: float = 0.0
    cost_max: float = 0.0


@dataclass(frozen=True)
class Device:
    category: str
    operating_system: str
    browser: str
    weight: float
    browser_versions: tuple[str, ...]
    resolutions: tuple[str, ...]
    models: tuple[str, ...] = ("(not set)",)


_SEARCH_KEYWORDS = (
    "+купить +ноутбук",
    "+скачать +без +регистрации +и +смс",
    "доставка цветов москва",
    "интернет магазин электроники",
    "подписка онлайн кинотеатр",
    "+аналитика +для +бизнеса",
    "сквозная аналитика",
    "купить кружку с логотипом",
    "футболки оптом",
)

SOURCES: tuple[Source, ...] = (
    Source(
        "google / cpc",
        "paid",
        "Google Adwords",
        "Paid Search",
        14,
        (
            ("brand-search", "search brand"),
            ("generic-search", "search generic"),
            ("retargeting-display", "display retargeting"),
        ),
        _SEARCH_KEYWORDS,
        ("Ретаргетинг 10% скидка", "Бесплатная доставка по Москве", "Скидка 20% на первый заказ"),
        4.5,
        38.0,
    ),
    Source(
        "yandex / cpc",
        "paid",
        "Яндекс.Директ",
        "Paid Search",
        20,
        (
            ("brand_poisk", "search brand"),
            ("rsya_retarget", "network retargeting"),
            ("generic_poisk_msk", "search generic"),
        ),
        _SEARCH_KEYWORDS,
        ("Подписка со скидкой 30%", "Доставка за 1 день", "Ретаргетинг 10% скидка"),
        3.2,
        45.0,
    ),
    Source("(direct) / (none)", "free", "Прямые заходы", "Direct", 22),
    Source("google / organic", "free", "Органический поиск", "Organic Search", 8),
    Source("yandex / organic", "free", "Органический поиск", "Organic Search", 14),
    Source("vk / social", "free", "Социальные сети", "Social", 6),
    Source(
        "vk / cpc",
        "paid",
        "VK Реклама",
        "Paid Social",
        4,
        (("vk_lookalike", "social lookalike"), ("vk_retarget_cart", "social retargeting")),
        (),
        ("Распродажа выходного дня", "Новая коллекция уже в продаже"),
        2.0,
        19.5,
    ),
    Source("t.me / referral", "free", "Telegram", "Referral", 3),
    Source(
        "email / newsletter",
        "email",
        "Email-рассылки",
        "Email",
        6,
        (("weekly_digest", "email digest"), ("black_friday", "email promo")),
        (),
        (),
        0.1,
        0.6,
    ),
    Source(
        "mytarget / cpc",
        "paid",
        "myTarget",
        "Display",
        3,
        (("mt_banners_ru", "display prospecting"),),
        (),
        ("Баннер 240x400 скидки",),
        1.5,
        12.0,
    ),
)

DEVICES: tuple[Device, ...] = (
    Device(
        "desktop",
        "Windows",
        "Chrome",
        24,
        ("120.0.6099.71", "124.0.6367.91", "69.0.3497.100"),
        ("1920x1080", "1366x768", "1536x864", "1440x900"),
    ),
    Device("desktop", "Windows", "YaBrowser", 12, ("23.11.1.822", "24.4.0.682"), ("1920x1080", "1366x768")),
    Device("desktop", "Macintosh", "Safari", 6, ("17.1", "16.6"), ("1440x900", "2560x1600", "1680x1050")),
    Device("desktop", "Linux", "Firefox", 2, ("121.0", "115.0"), ("1920x1080",)),
    Device(
        "mobile",
        "Android",
        "Chrome",
        22,
        ("120.0.6099.144", "119.0.6045.163"),
        ("393x873", "412x915", "360x800"),
        ("Samsung SM-A515F Galaxy A51", "Xiaomi Redmi Note 10 Pro", "Huawei P30 Lite", "Samsung SM-G991B Galaxy S21"),
    ),
    Device(
        "mobile",
        "Android",
        "YaBrowser",
        6,
        ("23.9.4.104",),
        ("393x873", "360x780"),
        ("Xiaomi Redmi 9A", "Honor 10 Lite"),
    ),
    Device(
        "mobile",
        "iOS",
        "Safari",
        20,
        ("17.1", "16.6"),
        ("390x844", "375x667", "430x932"),
        ("Apple iPhone", "Apple iPhone 13", "Apple iPhone 11"),
    ),
    Device(
        "tablet",
        "Android",
        "Chrome",
        3,
        ("69.0.3497.100", "120.0.6099.144"),
        ("601x962", "800x1280"),
        ("Samsung SM-T285 Galaxy Tab A 7.0 LTE", "Lenovo Tab M10"),
    ),
    Device("tablet", "iOS", "Safari", 5, ("17.1",), ("810x1080", "768x1024"), ("Apple iPad",)),
)

GEOS: tuple[tuple[tuple[str, str, str], float], ...] = (
    (("Russia", "Moscow", "Moscow"), 30),
    (("Russia", "Москва", "Москва"), 5),
    (("Russia", "Saint Petersburg", "Saint Petersburg"), 14),
    (("Russia", "Moscow Oblast", "Balashikha"), 5),
    (("Russia", "Voronezh Oblast", "Voronezh"), 4),
    (("Russia", "Sverdlovsk Oblast", "Yekaterinburg"), 6),
    (("Russia", "Novosibirsk Oblast", "Novosibirsk"), 5),
    (("Russia", "Tatarstan", "Kazan"), 5),
    (("Russia", "Krasnodar Krai", "Krasnodar"), 5),
    (("Russia", "Nizhny Novgorod Oblast", "Nizhny Novgorod"), 4),
    (("Russia", "Samara Oblast", "Samara"), 3),
    (("Kazakhstan", "Almaty Region", "Almaty"), 3),
    (("Belarus", "Minsk", "Minsk"), 3),
    (("(not set)", "(not set)", "(not set)"), 2),
)

LANDING_PAGES: tuple[tuple[str, float], ...] = (
    ("/", 30),
    ("/pricing/", 12),
    ("/featured/", 8),
    ("/catalog/", 14),
    ("/catalog/elektronika/", 6),
    ("/product/kruzhka-rick/", 5),
    ("/blog/kak-vybrat-tarif/", 6),
    ("/sale/", 9),
    ("/contacts/", 4),
    ("/promo/black-friday/", 6),
)

PAGE_PATHS = ("/pricing", "/cart", "/checkout", "/thank-you", "/signup", "/contacts")
ACTIONS = ("sign-in", "add-to-cart", "callback-request", "form-submit", "chat-start", "phone-click")
APP_SCREENS = ("main", "catalog", "product", "cart", "profile")
APP_VERSIONS = ("1.0.12", "1.1.0", "2.0.3")

DEAL_SOURCES: tuple[tuple[str, float], ...] = (
    ("website", 40),
    ("jivosite", 15),
    ("callback", 12),
    ("phone", 10),
    ("amocrm", 8),
    ("", 15),
)

PRODUCTS: tuple[tuple[str, str, str, float], ...] = (
    ("SUB-MONTH", "Подписка (1 месяц)", "Подписка", 600.0),
    ("SUB-YEAR", "Подписка (12 месяцев)", "Подписка", 5990.0),
    ("KB-102", "Клавиатура беспроводная", "Электроника", 2490.0),
    ("MS-7", "Мышь оптическая", "Электроника", 899.9),
    ("", "Консультация специалиста", "", 1500.0),
    ("MUG-01", "Кружка «Rick» 350 мл", "Сувениры", 450.0),
    ("TSH-M", "Футболка хлопковая, размер M", "Одежда", 1290.0),
    ("DLV-MSK", "Доставка по Москве", "Доставка", 350.0),
    ("", "Сборка и установка", "Услуги", 990.5),
    ("BK-023", "Книга «Сквозная аналитика»", "Книги", 780.0),
)
