"""How well-known services' SMS look: the built-in defaults behind service detection.

An operator's own patterns for a service (`simhive service set NAME --sender-pattern ...`)
replace these. Senders are the short codes and alphanumeric names the services are
publicly known to send from in the US; text patterns are the brand as it is written in
their messages. Every pattern is matched ignoring case.
"""

from __future__ import annotations

# name key: (sender patterns, text patterns), one regular expression per line.
BUILT_IN: dict[str, tuple[str, str]] = {
    "google": ("^22000$\n^google$", r"\bG-\d{4,8}\b" "\n" r"\bgoogle\b"),
    "amazon": ("^(amzn|amazon)$\n^262966$", r"\bamazon\b"),
    "apple": ("^apple$", r"\bapple\b"),
    "microsoft": ("^microsoft$\n^444999$", r"\bmicrosoft\b"),
    "facebook": ("^32665$\n^facebook$", r"\bfacebook\b|\bFB-\d{4,8}\b"),
    "instagram": ("^instagram$", r"\binstagram\b"),
    "whatsapp": ("^whatsapp$", r"\bwhatsapp\b"),
    "telegram": ("^telegram$", r"\btelegram\b"),
    "tinder": ("^tinder$", r"\btinder\b"),
    "uber": ("^uber$\n^827222$", r"\buber\b"),
    "lyft": ("^lyft$", r"\blyft\b"),
    "paypal": ("^paypal$\n^729725$", r"\bpaypal\b"),
    "venmo": ("^venmo$\n^86753$", r"\bvenmo\b"),
    "coinbase": ("^coinbase$", r"\bcoinbase\b"),
    "discord": ("^discord$", r"\bdiscord\b"),
    "twitter": ("^40404$\n^twitter$", r"\btwitter\b|\bX verification\b"),
    "snapchat": ("^snapchat$", r"\bsnapchat\b"),
    "yahoo": ("^yahoo$", r"\byahoo\b"),
    "netflix": ("^netflix$", r"\bnetflix\b"),
    "tiktok": ("^tiktok$", r"\btiktok\b"),
    "linkedin": ("^linkedin$", r"\blinkedin\b"),
    "airbnb": ("^airbnb$", r"\bairbnb\b"),
    "ebay": ("^ebay$", r"\bebay\b"),
    "offerup": ("^offerup$", r"\bofferup\b"),
}


def built_in(name_key: str) -> tuple[str, str]:
    """(sender patterns, text patterns) simhive knows for a service name, or empty ones."""
    return BUILT_IN.get(name_key, ("", ""))
