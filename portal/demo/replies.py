"""What is written on a demo case after the complaint: agents' replies and internal notes, the
customer's answers and their comments on "Is your problem solved?", in en, sv and nb.
"""

from __future__ import annotations

import random

# Agent replies by step. "resolve" texts are per desired outcome; {hello} opens, {agent} signs.
REPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "first": {
        "en": (
            "{hello}\n\nThank you for letting us know, and I'm sorry about this. I have looked "
            "into your case and contacted our warehouse. I'll be back as soon as I hear from "
            "them.\n\nBest regards,\n{agent}",
            "{hello}\n\nThanks for your message. I'm on it and will get back to you once I have "
            "an answer from our partner.\n\nKind regards,\n{agent}",
        ),
        "sv": (
            "{hello}\n\nTack för att du hörde av dig, och förlåt att det blev så här. Jag har "
            "tittat på ditt ärende och kontaktat vårt lager. Jag återkommer så snart jag fått "
            "besked.\n\nVänliga hälsningar\n{agent}",
            "{hello}\n\nTack för ditt meddelande! Jag tar hand om ärendet och hör av mig när jag "
            "har fått svar från vår samarbetspartner.\n\nHälsningar\n{agent}",
        ),
        "nb": (
            "{hello}\n\nTakk for at du tok kontakt, og beklager at det ble slik. Jeg har sett på "
            "saken din og kontaktet lageret vårt. Jeg kommer tilbake så snart jeg har fått "
            "svar.\n\nVennlig hilsen\n{agent}",
            "{hello}\n\nTakk for meldingen! Jeg tar meg av saken og gir deg beskjed når jeg har "
            "hørt fra samarbeidspartneren vår.\n\nHilsen\n{agent}",
        ),
    },
    "ask": {
        "en": (
            "{hello}\n\nThanks for getting in touch. To help you, I need a photo of the damage "
            "and your order number. You can reply to this email or add them on your case "
            "page.\n\nBest regards,\n{agent}",
            "{hello}\n\nCould you tell me which address the parcel was sent to? Then I can "
            "start a search with the carrier.\n\nKind regards,\n{agent}",
        ),
        "sv": (
            "{hello}\n\nTack för att du hörde av dig. För att kunna hjälpa dig behöver jag ett "
            "foto på skadan och ditt ordernummer. Svara gärna på det här mejlet eller lägg till "
            "det på ärendesidan.\n\nVänliga hälsningar\n{agent}",
            "{hello}\n\nKan du berätta vilken adress paketet skickades till? Då kan jag starta "
            "en efterforskning hos transportören.\n\nHälsningar\n{agent}",
        ),
        "nb": (
            "{hello}\n\nTakk for at du tok kontakt. For å kunne hjelpe deg trenger jeg et bilde "
            "av skaden og ordrenummeret ditt. Svar gjerne på denne e-posten eller legg det til "
            "på sakssiden.\n\nVennlig hilsen\n{agent}",
            "{hello}\n\nKan du fortelle hvilken adresse pakken ble sendt til? Da kan jeg starte "
            "en etterlysning hos transportøren.\n\nHilsen\n{agent}",
        ),
    },
    "again": {
        "en": (
            "{hello}\n\nI'm sorry it still isn't right. I have reopened your case and will "
            "follow it up personally.\n\n{agent}",
        ),
        "sv": (
            "{hello}\n\nFörlåt att det fortfarande inte har löst sig. Jag har öppnat ärendet "
            "igen och följer upp det själv.\n\n{agent}",
        ),
        "nb": (
            "{hello}\n\nBeklager at det fortsatt ikke har ordnet seg. Jeg har åpnet saken igjen "
            "og følger den opp selv.\n\n{agent}",
        ),
    },
}

RESOLVES: dict[str, dict[str, str]] = {
    "en": {
        "refund": "We have refunded the full amount. It usually shows in your account within "
        "3–5 banking days.",
        "replacement": "A replacement is on its way. You'll get the tracking number by email.",
        "repair": "Please send it to our service partner with the prepaid label attached. The "
        "repair is free of charge.",
        "explanation": "Here is what happened: the parcel was delayed at the carrier's terminal. "
        "We have taken it up with them.",
        "other": "We have sorted it out on our side. Let us know if anything is still unclear.",
    },
    "sv": {
        "refund": "Vi har nu betalat tillbaka hela beloppet. Det brukar synas på kontot inom "
        "3–5 bankdagar.",
        "replacement": "En ny vara är på väg till dig. Spårningsnumret kommer på mejl.",
        "repair": "Skicka varan till vår servicepartner med den förbetalda fraktsedeln som "
        "ligger bifogad. Reparationen är kostnadsfri.",
        "explanation": "Så här gick det till: paketet blev fast på transportörens terminal. Vi "
        "har tagit upp det med dem.",
        "other": "Vi har ordnat det på vår sida. Hör av dig om något fortfarande är oklart.",
    },
    "nb": {
        "refund": "Vi har nå betalt tilbake hele beløpet. Det pleier å vises på kontoen innen "
        "3–5 virkedager.",
        "replacement": "En ny vare er på vei til deg. Sporingsnummeret kommer på e-post.",
        "repair": "Send varen til servicepartneren vår med den forhåndsbetalte fraktlappen som "
        "ligger vedlagt. Reparasjonen er gratis.",
        "explanation": "Dette er hva som skjedde: pakken ble stående på transportørens terminal. "
        "Vi har tatt det opp med dem.",
        "other": "Vi har ordnet det hos oss. Si fra hvis noe fortsatt er uklart.",
    },
}

HELLO = {"en": ("Hi {first},", "Hello {first},"), "sv": ("Hej {first}!",), "nb": ("Hei {first}!",)}
NO_NAME = {"en": "Hello,", "sv": "Hej!", "nb": "Hei!"}
SIGNED = {"en": "Best regards,", "sv": "Vänliga hälsningar", "nb": "Vennlig hilsen"}

CUSTOMER_ANSWERS = {
    "en": (
        "Here is my order number: {order}. I'll send the photos from my phone.",
        "Hi again! The parcel was damaged when I picked it up; the box was dented at one corner.",
        "It was sent to my work address, the same as on the order.",
        "You can reach me by phone after 4 pm.",
    ),
    "sv": (
        "Här är ordernumret: {order}. Bilderna skickar jag från mobilen.",
        "Hej igen! Paketet var skadat redan när jag hämtade ut det, kartongen var intryckt i "
        "ena hörnet.",
        "Det skickades till min jobbadress, samma som står på ordern.",
        "Ni når mig på telefon efter klockan 16.",
    ),
    "nb": (
        "Her er ordrenummeret: {order}. Bildene sender jeg fra mobilen.",
        "Hei igjen! Pakken var skadet allerede da jeg hentet den, esken var bulket i det ene "
        "hjørnet.",
        "Den ble sendt til jobbadressen min, den samme som står på ordren.",
        "Dere når meg på telefon etter klokken 16.",
    ),
}

PRAISE = {
    "en": ("Quick and easy, thanks!", "Thanks for the help, all sorted.", "Friendly service."),
    "sv": ("Snabbt och smidigt, tack!", "Tack för hjälpen, allt löste sig.", "Trevligt bemötande."),
    "nb": ("Raskt og greit, takk!", "Takk for hjelpen, alt ordnet seg.", "Hyggelig service."),
}

COMPLAINTS = {
    "en": (
        "I still haven't got my money.",
        "You didn't answer my question.",
        "The new one has the same fault.",
        "It took far too long.",
    ),
    "sv": (
        "Jag har fortfarande inte fått några pengar.",
        "Ni svarade inte på min fråga.",
        "Den nya varan har samma fel.",
        "Det tog alldeles för lång tid.",
    ),
    "nb": (
        "Jeg har fortsatt ikke fått noen penger.",
        "Dere svarte ikke på spørsmålet mitt.",
        "Den nye varen har samme feil.",
        "Det tok altfor lang tid.",
    ),
}

NOTES = {
    "en": (
        "Checked with the warehouse: shipped on time, delay at the carrier.",
        "Customer also phoned about this.",
        "Waiting for an answer from the carrier.",
        "Goodwill refund approved by the team lead.",
    ),
    "sv": (
        "Kollat med lagret: skickades i tid, förseningen ligger hos transportören.",
        "Kunden har ringt in om samma sak.",
        "Väntar på svar från transportören.",
        "Ersättning godkänd av teamledaren.",
    ),
    "nb": (
        "Sjekket med lageret: sendt i tide, forsinkelsen ligger hos transportøren.",
        "Kunden har også ringt om dette.",
        "Venter på svar fra transportøren.",
        "Kompensasjon godkjent av teamlederen.",
    ),
}


def agent_reply(rng: random.Random, lang: str, step: str, first: str, agent: str) -> str:
    """An agent's public reply: ``step`` is "first", "ask", "again" or an outcome (resolving)."""
    hello = rng.choice(HELLO[lang]).format(first=first) if first else NO_NAME[lang]
    agent_first = agent.split()[0] if agent else "Nordvik"
    if step in REPLIES:
        return rng.choice(REPLIES[step][lang]).format(hello=hello, agent=agent_first)
    text = RESOLVES[lang].get(step, RESOLVES[lang]["other"])
    return f"{hello}\n\n{text}\n\n{SIGNED[lang]}\n{agent_first}"


def customer_answer(rng: random.Random, lang: str, order: str) -> str:
    """The customer's answer to an agent's question (the order number only when they have one)."""
    bank = CUSTOMER_ANSWERS[lang] if order else CUSTOMER_ANSWERS[lang][1:]
    return rng.choice(bank).format(order=order)


def feedback_comment(rng: random.Random, lang: str, happy: bool) -> str:
    return rng.choice((PRAISE if happy else COMPLAINTS)[lang])


def internal_note(rng: random.Random, lang: str) -> str:
    return rng.choice(NOTES[lang])
