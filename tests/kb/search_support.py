"""A small three-language help centre for the search tests, and helpers to build its index."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from kb.search.index import SearchIndex
from kb.search.types import SearchDocument


def doc(
    id: str,
    lang: str,
    title: str,
    body: str,
    *,
    summary: str = "",
    tags: tuple[str, ...] = (),
    category: str | None = None,
) -> SearchDocument:
    return SearchDocument(
        id=id,
        key=id.split(":")[0],
        lang=lang,
        slug=id.split(":")[0],
        title=title,
        summary=summary,
        body=body,
        tags=tags,
        category=category,
    )


SV = [
    doc("sv-delivery-times:sv", "sv", "Leveranstider i Sverige",
        "Leveranstiden är normalt två till fyra arbetsdagar. Paketet skickas från vårt lager "
        "i Borås.", category="delivery"),
    doc("sv-tracking:sv", "sv", "Så spårar du ditt paket",
        "Varje leverans får ett spårningsnummer i mejlet. Det kan ta lite tid innan "
        "spårningen syns hos PostNord.", category="delivery"),
    doc("sv-return:sv", "sv", "Returnera en vara",
        "Du kan returnera varan inom 30 dagar. Returer registreras under Mina ordrar.",
        category="returns"),
    doc("sv-refund:sv", "sv", "Retur och återbetalning",
        "När returen har kommit fram till lagret gör vi en återbetalning inom fem dagar.",
        category="refunds"),
    doc("sv-mt-password:sv", "sv", "Ändra ditt lösen ord",
        "Om du har glömt ditt lösen ord kan du återställa det från inloggningssidan."),
    doc("sv-login:sv", "sv", "Logga in på kontot",
        "Ange e-postadress och lösenord för att logga in. Lösenordet måste ha minst åtta "
        "tecken. Har du glömt lösenordet kan du välja ett nytt. Byt lösenord ibland."),
    doc("sv-time:sv", "sv", "Hur lång tid tar det?",
        "Det tar olika lång tid beroende på var du bor. Räkna med kortare tid i storstäderna "
        "och längre tid i norr."),
    doc("sv-invoice:sv", "sv", "Får jag betala med faktura?",
        "Ja, du får betala med faktura inom 14 dagar."),
    doc("sv-father:sv", "sv", "Presenttips till far",
        "Min far önskar sig en cykel. Far och son cyklar gärna."),
    doc("sv-terms:sv", "sv", "Betalningsvillkor",
        "Villkor för betalning: betalning sker med kort, Swish eller faktura."),
    doc("sv-withdrawal:sv", "sv", "Ångerrätt",
        "Du har 14 dagars ångerrätt när du handlar på nätet. Ångerrätten gäller från att du "
        "tog emot varan."),
    doc("sv-complaint:sv", "sv", "Reklamation av trasig vara",
        "Du kan reklamera en vara som är trasig. Reklamationen ska göras inom rimlig tid "
        "efter att du upptäckte felet."),
]  # fmt: skip

NB = [
    doc("nb-delivery-times:nb", "nb", "Leveringstid til Norge",
        "Leveringstiden er tre til fem virkedager fra pakken er sendt.", category="delivery"),
    doc("nb-home:nb", "nb", "Hjemlevering på døra",
        "Vi tilbyr levering på kvelden i de største byene. Du velger tid selv.",
        category="delivery"),
    doc("nb-complaint:nb", "nb", "Reklamasjon på feil vare",
        "Reklamasjonen må sendes innen rimelig tid. Du kan reklamere i to år."),
    doc("nb-time:nb", "nb", "Hvor lang tid tar det?",
        "Det tar lengre tid i Nord-Norge og kortere tid i Oslo. Regn med litt ekstra tid i "
        "desember."),
    doc("nb-withdrawal:nb", "nb", "Angrerett",
        "Du har 14 dagers angrerett på alle varer du kjøper hos oss."),
]  # fmt: skip

EN = [
    doc("en-refund-when:en", "en", "When will I get my refund?",
        "Refunds are paid within 5 days after we received the return. The refund goes to "
        "your card.", category="refunds"),
    doc("en-refund-card:en", "en", "Refunded to the wrong card",
        "If you were refunded to an old card, contact your bank.", category="refunds"),
    doc("en-delivery:en", "en", "Delivery times",
        "Delivery takes two to four working days; most orders are delivered on time. Every "
        "parcel can be tracked.",
        category="delivery"),
    doc("en-warranty:en", "en", "Warranty for electronics",
        "Every product comes with a guarantee from the maker.", category="faulty"),
    doc("en-faulty:en", "en", "Faulty goods",
        "Is the warranty still valid? The warranty covers faults; the warranty does not cover "
        "damage you caused.", category="faulty"),
    doc("en-hostile:en", "en", "Messages with <b>markup</b>",
        "Never paste <script>alert('owned')</script> & other tags into a message."),
]  # fmt: skip

ALL = SV + NB + EN
SYNONYMS = {
    "sv": [["pengarna tillbaka", "återbetalning"]],
    "en": [["parcel", "package"]],
}


def build(path: Path, documents: list[SearchDocument] | None = None) -> SearchIndex:
    index = SearchIndex(path)
    index.rebuild(ALL if documents is None else documents)
    index.set_synonyms(SYNONYMS)
    return index


class TagCollector(HTMLParser):
    """The element names and the text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_fragment(html: str) -> TagCollector:
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    return parser


def marked(html: str) -> list[str]:
    """The texts inside <mark> elements."""

    class Marks(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.inside = False
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "mark":
                self.inside = True
                self.found.append("")

        def handle_endtag(self, tag: str) -> None:
            if tag == "mark":
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.found[-1] += data

    parser = Marks()
    parser.feed(html)
    return parser.found
