"""What the demo customers write: complaint topics and the phrases their descriptions are built
from, in English, Swedish and Norwegian (bokmål).

A description is an optional greeting, one or two sentences about the problem, sometimes a
detail, what the customer wants and a sign-off, each picked from a bank, so no two read alike
while the words of a topic stay recognisable (the insights page looks for rising terms).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Waves: when in the history a topic is more common (see ``history.WAVES``).
DELIVERY, CARRIER, SEAMS, INVOICE = "delivery", "carrier", "seams", "invoice"


@dataclass(frozen=True)
class Topic:
    key: str
    category: str  # a case category (``cases.intake.CATEGORIES``)
    outcomes: tuple[str, ...]  # desired outcomes a customer with this problem picks
    weight: float  # share of complaints outside any wave
    items: str  # which items the sentences name: "appliance", "clothing" or "any"
    wave: str | None = None


TOPICS = (
    Topic("late_delivery", "service", ("explanation", "refund", "other"), 9, "any", DELIVERY),
    Topic("parcel_missing", "service", ("refund", "replacement"), 5, "any", DELIVERY),
    Topic("pickup_point", "service", ("explanation", "other"), 0.6, "any", CARRIER),
    Topic("support_unreachable", "service", ("explanation", "other"), 4, "any"),
    Topic("faulty", "product", ("repair", "replacement", "refund"), 12, "appliance"),
    Topic("damaged", "product", ("replacement", "refund"), 6, "any", DELIVERY),
    Topic("wrong_item", "product", ("replacement", "refund"), 6, "any"),
    Topic("seams", "product", ("repair", "replacement", "refund"), 2.5, "clothing", SEAMS),
    Topic("double_charge", "billing", ("refund",), 5, "any"),
    Topic("refund_missing", "billing", ("refund", "explanation"), 8, "any"),
    Topic("invoice_fee", "billing", ("explanation", "refund"), 3, "any", INVOICE),
    Topic("account", "other", ("explanation", "other"), 4, "any"),
    Topic("gift_card", "other", ("explanation", "other"), 3, "any"),
)

# (with an article, the definite form) per language and kind of item.
ITEMS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "en": {
        "appliance": (
            ("a coffee maker", "the coffee maker"),
            ("a vacuum cleaner", "the vacuum cleaner"),
            ("a pair of headphones", "the headphones"),
            ("a kettle", "the kettle"),
            ("an electric toothbrush", "the toothbrush"),
            ("a hand blender", "the blender"),
        ),
        "clothing": (
            ("a winter jacket", "the jacket"),
            ("a rain jacket", "the rain jacket"),
            ("a backpack", "the backpack"),
            ("a fleece jumper", "the fleece"),
            ("a pair of hiking trousers", "the trousers"),
        ),
    },
    "sv": {
        "appliance": (
            ("en kaffebryggare", "kaffebryggaren"),
            ("en dammsugare", "dammsugaren"),
            ("ett par hörlurar", "hörlurarna"),
            ("en vattenkokare", "vattenkokaren"),
            ("en eltandborste", "eltandborsten"),
            ("en stavmixer", "stavmixern"),
        ),
        "clothing": (
            ("en vinterjacka", "vinterjackan"),
            ("en regnjacka", "regnjackan"),
            ("en ryggsäck", "ryggsäcken"),
            ("en fleecetröja", "fleecetröjan"),
            ("ett par vandringsbyxor", "vandringsbyxorna"),
        ),
    },
    "nb": {
        "appliance": (
            ("en kaffetrakter", "kaffetrakteren"),
            ("en støvsuger", "støvsugeren"),
            ("et par hodetelefoner", "hodetelefonene"),
            ("en vannkoker", "vannkokeren"),
            ("en elektrisk tannbørste", "tannbørsten"),
            ("en stavmikser", "stavmikseren"),
        ),
        "clothing": (
            ("en vinterjakke", "vinterjakken"),
            ("en regnjakke", "regnjakken"),
            ("en sekk", "sekken"),
            ("en fleecegenser", "fleecegenseren"),
            ("et par turbukser", "turbuksene"),
        ),
    },
}

# Sentences about the problem, per topic and language. Slots: {a_item}, {the_item}, {days},
# {weeks}, {amount}.
PROBLEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "late_delivery": {
        "en": (
            "I ordered {a_item} {days} days ago and the parcel still hasn't arrived.",
            "My delivery is late. The tracking has said 'in transit' for almost a week.",
            "You promised delivery within 3 working days, but it has been {days} days now.",
        ),
        "sv": (
            "Jag beställde {a_item} för {days} dagar sedan och paketet har fortfarande inte "
            "kommit.",
            "Min leverans är försenad. Spårningen har stått på ”under transport” i snart en vecka.",
            "Ni lovade leverans inom 3 arbetsdagar men nu har det gått {days} dagar.",
            "Paketet skulle ha kommit i fredags men inget har hänt, och spårningen uppdateras "
            "inte.",
        ),
        "nb": (
            "Jeg bestilte {a_item} for {days} dager siden, og pakken har fortsatt ikke kommet.",
            "Leveransen min er forsinket. Sporingen har stått på «under transport» i snart en uke.",
            "Dere lovet levering innen 3 virkedager, men nå har det gått {days} dager.",
            "Pakken skulle kommet på fredag, men ingenting har skjedd og sporingen står stille.",
        ),
    },
    "parcel_missing": {
        "en": (
            "The tracking says the parcel was delivered, but I never got it.",
            "The parcel is marked as collected at the pickup point, but I haven't been there.",
            "According to the tracking it was left at my door, but there was nothing there.",
        ),
        "sv": (
            "Spårningen säger att paketet är levererat, men jag har aldrig fått det.",
            "Paketet står som uthämtat hos ombudet, men jag har inte varit där.",
            "Enligt spårningen ställdes paketet utanför dörren, men där fanns ingenting.",
            "Jag har frågat grannarna och kollat i trapphuset, paketet finns inte.",
        ),
        "nb": (
            "Sporingen sier at pakken er levert, men jeg har aldri fått den.",
            "Pakken står som hentet på utleveringsstedet, men jeg har ikke vært der.",
            "Ifølge sporingen ble pakken satt utenfor døren, men det var ingenting der.",
            "Jeg har spurt naboene og sjekket i oppgangen, pakken er ikke der.",
        ),
    },
    "pickup_point": {
        "en": (
            "Since you changed carrier my parcels go to a new pickup point 8 km away.",
            "The new parcel locker is always full, so my parcel was sent back.",
            "Your new carrier didn't leave a notice, and now the parcel is on its way back to you.",
        ),
        "sv": (
            "Sedan ni bytte transportör hamnar mina paket hos ett nytt ombud 8 km bort.",
            "Det nya paketskåpet är alltid fullt, så mitt paket skickades tillbaka.",
            "Den nya transportören lämnade ingen avisering och nu är paketet på väg tillbaka "
            "till er.",
            "Varför kan jag inte längre välja mitt vanliga ombud i kassan? Det nya ombudet har "
            "stängt på helgerna.",
        ),
        "nb": (
            "Etter at dere byttet transportør, havner pakkene mine på et nytt hentested 8 km unna.",
            "Det nye pakkeskapet er alltid fullt, så pakken min ble sendt i retur.",
            "Den nye transportøren la ikke igjen noen melding, og nå er pakken på vei tilbake.",
            "Hvorfor kan jeg ikke lenger velge det vanlige hentestedet mitt i kassen? Det nye "
            "hentestedet er stengt i helgene.",
        ),
    },
    "support_unreachable": {
        "en": (
            "I have tried to call customer service three times and waited over 40 minutes.",
            "I wrote to you {weeks} weeks ago and have not had any answer.",
            "The chat closes before anyone answers.",
        ),
        "sv": (
            "Jag har försökt ringa kundtjänst tre gånger och fått vänta i över 40 minuter.",
            "Jag mejlade er för {weeks} veckor sedan och har inte fått något svar.",
            "Chatten stänger innan någon hinner svara.",
        ),
        "nb": (
            "Jeg har prøvd å ringe kundeservice tre ganger og ventet i over 40 minutter.",
            "Jeg sendte dere en e-post for {weeks} uker siden og har ikke fått noe svar.",
            "Chatten lukkes før noen rekker å svare.",
        ),
    },
    "faulty": {
        "en": (
            "I bought {a_item} from you and after {weeks} weeks {the_item} stopped working.",
            "{the_item} won't turn on anymore, not even after a full charge.",
            "There is a strange noise and a burning smell when I use {the_item}.",
        ),
        "sv": (
            "Jag köpte {a_item} av er och efter {weeks} veckor slutade {the_item} fungera.",
            "Det går inte längre att starta {the_item}, inte ens efter full laddning.",
            "När jag använder {the_item} låter det konstigt och luktar bränt.",
            "Jag har haft {the_item} i knappt {weeks} veckor och nu fungerar ingenting.",
        ),
        "nb": (
            "Jeg kjøpte {a_item} hos dere, og etter {weeks} uker sluttet {the_item} å virke.",
            "Det går ikke lenger an å slå på {the_item}, ikke engang etter full lading.",
            "Når jeg bruker {the_item}, kommer det en rar lyd, og det lukter brent.",
            "Jeg har hatt {the_item} i knapt {weeks} uker, og nå virker ingenting.",
        ),
    },
    "damaged": {
        "en": (
            "{the_item} arrived broken. The box was crushed on one side.",
            "When I opened the parcel, I saw that {the_item} had been damaged.",
            "The parcel was soaking wet when it arrived, and {the_item} can't be used.",
        ),
        "sv": (
            "Varan kom fram trasig. Kartongen var intryckt på ena sidan.",
            "När jag öppnade paketet såg jag att {the_item} hade gått sönder.",
            "Paketet var genomblött när det kom och {the_item} går inte att använda.",
        ),
        "nb": (
            "Varen kom frem ødelagt. Esken var klemt inn på den ene siden.",
            "Da jeg åpnet pakken, så jeg at {the_item} hadde gått i stykker.",
            "Pakken var gjennomvåt da den kom, og {the_item} kan ikke brukes.",
        ),
    },
    "wrong_item": {
        "en": (
            "I ordered {a_item} but got something completely different.",
            "I got the wrong size: I ordered M and received XL.",
            "One item is missing from the parcel, although the packing slip lists it.",
        ),
        "sv": (
            "Jag beställde {a_item} men fick något helt annat.",
            "Jag fick fel storlek, jag beställde M men fick XL.",
            "En vara saknas i paketet, fast den står på följesedeln.",
        ),
        "nb": (
            "Jeg bestilte {a_item}, men fikk noe helt annet.",
            "Jeg fikk feil størrelse. Jeg bestilte M, men fikk XL.",
            "En vare mangler i pakken, selv om den står på pakksedelen.",
        ),
    },
    "seams": {
        "en": (
            "The zip on {the_item} broke after only {weeks} weeks.",
            "The seams on {the_item} are coming apart after a couple of washes.",
            "Water gets in at the seams of {the_item}, which shouldn't happen.",
        ),
        "sv": (
            "Blixtlåset på {the_item} gick sönder efter bara {weeks} veckor.",
            "Sömmarna på {the_item} har börjat gå upp efter ett par tvättar.",
            "Det läcker in vatten vid sömmarna på {the_item}, och så ska det inte vara.",
        ),
        "nb": (
            "Glidelåsen på {the_item} røk etter bare {weeks} uker.",
            "Sømmene på {the_item} har begynt å gå opp etter noen runder i vaskemaskinen.",
            "Det lekker inn vann ved sømmene på {the_item}, og sånn skal det ikke være.",
        ),
    },
    "double_charge": {
        "en": (
            "I was charged twice for the same order, {amount} kr each time.",
            "The payment failed at checkout, but the money was still taken from my card.",
            "My bank statement shows two payments of {amount} kr to you.",
        ),
        "sv": (
            "Jag har blivit debiterad två gånger för samma order, {amount} kr varje gång.",
            "Betalningen gick inte igenom i kassan, men pengarna drogs ändå från kortet.",
            "På kontoutdraget ser jag två dragningar på {amount} kr till er.",
        ),
        "nb": (
            "Jeg har blitt trukket to ganger for samme ordre, {amount} kr hver gang.",
            "Betalingen gikk ikke gjennom i kassen, men pengene ble likevel trukket fra kortet.",
            "På kontoutskriften ser jeg to trekk på {amount} kr til dere.",
        ),
    },
    "refund_missing": {
        "en": (
            "I returned {a_item} {weeks} weeks ago and have still not got my money back.",
            "You confirmed my return, but the refund hasn't reached my account.",
            "I only got part of the refund: {amount} kr is missing.",
        ),
        "sv": (
            "Jag skickade tillbaka {a_item} för {weeks} veckor sedan och har fortfarande inte "
            "fått pengarna tillbaka.",
            "Ni har bekräftat min retur, men återbetalningen har inte kommit in på kontot.",
            "Jag fick bara tillbaka en del av beloppet, {amount} kr fattas.",
        ),
        "nb": (
            "Jeg sendte tilbake {a_item} for {weeks} uker siden og har fortsatt ikke fått "
            "pengene tilbake.",
            "Dere har bekreftet returen min, men refusjonen har ikke kommet inn på kontoen.",
            "Jeg fikk bare tilbake en del av beløpet, det mangler {amount} kr.",
        ),
    },
    "invoice_fee": {
        "en": (
            "I got a reminder with a fee even though I paid the invoice on time.",
            "Why is there an invoice fee? Nobody told me about it at checkout.",
            "The invoice came after the due date, and now you charge me a late fee.",
        ),
        "sv": (
            "Jag har fått en påminnelse med avgift fast jag betalade fakturan i tid.",
            "Varför har det tillkommit en fakturaavgift? Det stod ingenting om det i kassan.",
            "Fakturan kom efter förfallodagen och nu tar ni ut en förseningsavgift.",
        ),
        "nb": (
            "Jeg har fått en purring med gebyr, selv om jeg betalte fakturaen i tide.",
            "Hvorfor er det lagt til et fakturagebyr? Det sto ingenting om det i kassen.",
            "Fakturaen kom etter forfallsdato, og nå krever dere purregebyr.",
        ),
    },
    "account": {
        "en": (
            "I asked you to delete my account a month ago, but I still get emails.",
            "I can't log in and the password reset email never arrives.",
            "I want to know what personal data you have about me.",
        ),
        "sv": (
            "Jag bad er radera mitt konto för en månad sedan, men jag får fortfarande mejl.",
            "Jag kan inte logga in och mejlet för att återställa lösenordet kommer aldrig.",
            "Jag vill veta vilka personuppgifter ni har sparat om mig.",
        ),
        "nb": (
            "Jeg ba dere slette kontoen min for en måned siden, men jeg får fortsatt e-post.",
            "Jeg får ikke logget inn, og e-posten for å tilbakestille passordet kommer aldri.",
            "Jeg vil vite hvilke personopplysninger dere har lagret om meg.",
        ),
    },
    "gift_card": {
        "en": (
            "My gift card says the balance is 0, but I haven't used it.",
            "The gift card code doesn't work at checkout.",
            "The gift card expired before I could use it. Can it be extended?",
        ),
        "sv": (
            "Presentkortet visar saldo 0, men jag har inte använt det.",
            "Koden på presentkortet fungerar inte i kassan.",
            "Presentkortet hann gå ut innan jag använde det. Går det att förlänga?",
        ),
        "nb": (
            "Gavekortet viser saldo 0, men jeg har ikke brukt det.",
            "Koden på gavekortet virker ikke i kassen.",
            "Gavekortet gikk ut før jeg fikk brukt det. Kan det forlenges?",
        ),
    },
}

GREETINGS = {
    "en": ("Hi,", "Hello,", "Hi there,", "Dear Nordvik,", "", ""),
    "sv": ("Hej!", "Hej,", "Hejsan!", "Hej Nordvik!", "", ""),
    "nb": ("Hei!", "Hei,", "Hallo!", "Hei Nordvik!", "", ""),
}

DETAILS = {
    "en": (
        "This is the second time I'm writing about this.",
        "I have photos if you need them.",
        "It was a birthday present, so it's a bit urgent.",
        "I have been a customer for years and I'm really disappointed.",
        "The order number is on the receipt I got by email.",
        "I'm away next week, so email is best.",
    ),
    "sv": (
        "Det här är andra gången jag hör av mig om samma sak.",
        "Jag har bilder om ni vill se dem.",
        "Det var en födelsedagspresent, så det är lite bråttom.",
        "Jag har varit kund hos er i många år och är väldigt besviken.",
        "Ordernumret står på kvittot jag fick på mejlen.",
        "Jag är bortrest nästa vecka, så mejl passar bäst.",
    ),
    "nb": (
        "Dette er andre gang jeg tar kontakt om det samme.",
        "Jeg har bilder hvis dere vil se dem.",
        "Det var en bursdagsgave, så det haster litt.",
        "Jeg har vært kunde hos dere i mange år og er veldig skuffet.",
        "Ordrenummeret står på kvitteringen jeg fikk på e-post.",
        "Jeg er bortreist neste uke, så e-post passer best.",
    ),
}

ASKS = {
    "en": {
        "refund": ("I would like my money back.", "Please refund the amount as soon as possible."),
        "replacement": ("Can you send me a new one?", "I'd like a replacement, please."),
        "repair": ("Can it be repaired under warranty?", "How do I send it in for repair?"),
        "explanation": ("I'd like to know what happened.", "Can someone explain this to me?"),
        "other": ("What can you do about this?", "Looking forward to hearing from you."),
    },
    "sv": {
        "refund": ("Jag vill ha pengarna tillbaka.", "Kan ni betala tillbaka beloppet snarast?"),
        "replacement": ("Kan ni skicka en ny?", "Jag vill gärna få en ny vara i stället."),
        "repair": ("Går den att laga på garantin?", "Hur gör jag för att lämna in den på lagning?"),
        "explanation": (
            "Jag vill gärna veta vad som har hänt.",
            "Kan någon förklara vad som gäller?",
        ),
        "other": ("Vad kan ni göra åt det här?", "Tacksam för snabbt svar."),
    },
    "nb": {
        "refund": ("Jeg vil ha pengene tilbake.", "Kan dere betale tilbake beløpet snarest?"),
        "replacement": ("Kan dere sende en ny?", "Jeg vil gjerne få en ny vare i stedet."),
        "repair": ("Kan den repareres på garantien?", "Hvordan sender jeg den inn til reparasjon?"),
        "explanation": (
            "Jeg vil gjerne vite hva som har skjedd.",
            "Kan noen forklare hva som gjelder?",
        ),
        "other": ("Hva kan dere gjøre med dette?", "Takk for raskt svar."),
    },
}

SIGN_OFFS = {
    "en": ("Thanks, {first}", "Best regards,\n{first} {last}", "Kind regards, {first}", ""),
    "sv": ("Mvh {first}", "Med vänliga hälsningar\n{first} {last}", "Hälsningar {first}", ""),
    "nb": ("Mvh {first}", "Med vennlig hilsen\n{first} {last}", "Hilsen {first}", ""),
}

ORDER_LINES = {
    "en": ("Order {order}.", "My order number is {order}."),
    "sv": ("Gäller order {order}.", "Ordernummer: {order}."),
    "nb": ("Gjelder ordre {order}.", "Ordrenummer: {order}."),
}

NAMES = {
    "en": (
        ("James", "Emily", "Daniel", "Sophie", "Michael", "Laura", "David", "Hannah", "Tom",
         "Olivia", "Ahmed", "Priya", "Lukas", "Chiara", "Mateo", "Aisha"),
        ("Smith", "Brown", "Wilson", "Taylor", "Müller", "Rossi", "Khan", "Patel", "Novak",
         "Garcia", "O'Brien", "Kowalski", "Evans", "Fischer"),
    ),
    "sv": (
        ("Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Mikael", "Elin", "Anders",
         "Emma", "Oskar", "Linnea", "Per", "Sofia", "Henrik", "Ida", "Gustav", "Maja", "Åsa"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
         "Persson", "Svensson", "Gustafsson", "Lindberg", "Holm", "Bergström", "Lundqvist",
         "Sandberg", "Ek", "Öberg", "Åkesson"),
    ),
    "nb": (
        ("Ole", "Ingrid", "Kari", "Lars", "Nora", "Henrik", "Silje", "Magnus", "Ingeborg",
         "Jonas", "Marte", "Sindre", "Hanne", "Even", "Tone", "Jørgen", "Solveig", "Eirik",
         "Ragnhild", "Åse"),
        ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
         "Kristiansen", "Jensen", "Berg", "Haugen", "Hagen", "Bakken", "Solberg", "Strand",
         "Dahl", "Lie", "Moen", "Sæther", "Østby"),
    ),
}  # fmt: skip

_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "ø": "o", "æ": "ae", "ü": "u", "'": ""})


def person(rng: random.Random, lang: str) -> tuple[str, str]:
    firsts, lasts = NAMES[lang]
    return rng.choice(firsts), rng.choice(lasts)


def email_for(first: str, last: str, number: int) -> str:
    """An address at a reserved example domain, so nothing can ever be sent to a real person."""
    local = f"{first}.{last}".lower().translate(_ASCII)
    domain = ("example.com", "example.net", "example.org")[number % 3]
    return f"{local}{number}@{domain}"


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def describe(
    rng: random.Random, topic: Topic, lang: str, outcome: str, person: tuple[str, str], order: str
) -> str:
    """A complaint description as a customer in ``lang`` would type it."""
    a_item, the_item = rng.choice(ITEMS[lang]["clothing" if topic.items == "clothing" else
                                               "appliance" if topic.items == "appliance" else
                                               rng.choice(("appliance", "clothing"))])  # fmt: skip
    values = {
        "a_item": a_item,
        "the_item": the_item,
        "days": rng.randint(6, 16),
        "weeks": rng.randint(2, 9),
        "amount": rng.choice((249, 399, 499, 649, 899, 1290, 1499, 2195)),
    }
    problems = PROBLEMS[topic.key][lang]
    chosen = rng.sample(problems, 2 if rng.random() < 0.3 else 1)
    body = [_capital(s.format(**values)) for s in chosen]
    if order and rng.random() < 0.6:
        body.insert(0 if rng.random() < 0.5 else len(body), rng.choice(ORDER_LINES[lang]).format(
            order=order))  # fmt: skip
    if rng.random() < 0.35:
        body.append(rng.choice(DETAILS[lang]))
    if rng.random() < 0.8:
        body.append(rng.choice(ASKS[lang][outcome if outcome in ASKS[lang] else "other"]))
    parts = []
    greeting = rng.choice(GREETINGS[lang])
    if greeting:
        parts.append(greeting)
    parts.append(" ".join(body))
    sign_off = rng.choice(SIGN_OFFS[lang]).format(first=person[0], last=person[1])
    if sign_off:
        parts.append(sign_off)
    return "\n\n".join(parts)
