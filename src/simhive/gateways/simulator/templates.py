"""What a service's verification SMS typically looks like (sender, text with the code)."""

from __future__ import annotations

import random

# {code} is replaced; senders are the short codes or names these services send from.
TEMPLATES: dict[str, tuple[str, str, int]] = {
    "google": ("22000", "G-{code} is your Google verification code.", 6),
    "amazon": ("AMZN", "{code} is your Amazon OTP. Do not share it with anyone.", 6),
    "apple": ("Apple", "Your Apple ID code is: {code}. Don't share it with anyone.", 6),
    "microsoft": ("Microsoft", "Use {code} as Microsoft account security code", 7),
    "facebook": ("32665", "{code} is your Facebook confirmation code", 6),
    "instagram": ("32665", "Use {code} to verify your Instagram account.", 6),
    "whatsapp": ("WhatsApp", "Your WhatsApp code: {code3}-{code3b}. Don't share this code.", 6),
    "telegram": ("Telegram", "Telegram code: {code}. You can also tap on this link: t.me/login", 5),
    "tinder": ("Tinder", "Your Tinder code is {code}", 6),
    "uber": ("Uber", "Your Uber code: {code}. Never share this code.", 4),
    "lyft": ("Lyft", "Your Lyft code is {code}", 6),
    "paypal": ("PayPal", "PayPal: {code} is your security code. Don't share your code.", 6),
    "venmo": ("Venmo", "Venmo here! Never share this code via call/text. Code: {code}", 6),
    "coinbase": ("Coinbase", "Your Coinbase verification code is: {code}", 7),
    "discord": ("Discord", "Your Discord security code is: {code}", 6),
    "twitter": ("40404", "Your X verification code is {code}.", 6),
    "snapchat": ("Snapchat", "Snapchat code: {code}. Happy Snapping!", 6),
    "yahoo": ("Yahoo", "{code} is your Yahoo verification code", 6),
    "netflix": ("Netflix", "Your Netflix verification code is {code}", 6),
    "tiktok": ("TikTok", "[TikTok] {code} is your verification code, valid for 5 minutes.", 6),
    "linkedin": ("LinkedIn", "Your LinkedIn verification code is {code}.", 6),
    "airbnb": ("Airbnb", "Your Airbnb verification code is: {code}", 6),
    "ebay": ("eBay", "eBay: Your security code is {code}. Don't share it.", 6),
    "offerup": ("OfferUp", "Your OfferUp verification code is {code}", 6),
}
GENERIC = ("12345", "Your {service} verification code is {code}", 6)


def sample_message(service: str, rng: random.Random) -> tuple[str, str, str]:
    """(sender, text, code as written) of a typical SMS for `service`."""
    sender, template, length = TEMPLATES.get(service.strip().lower(), GENERIC)
    digits = "".join(str(rng.randint(0, 9)) for _ in range(length))
    if "{code3}" in template:
        text = template.format(code3=digits[:3], code3b=digits[3:])
        code = f"{digits[:3]}-{digits[3:]}"
    else:
        text = template.format(code=digits, service=service)
        code = "G-" + digits if service.strip().lower() == "google" else digits
    return sender, text, code
