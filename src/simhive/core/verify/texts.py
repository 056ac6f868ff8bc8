"""The verification SMS and the voice script, in 003's languages.

003 lists am, ar, az, bn, de, en, es, fa, fr, he, hi, hy, id, it, ja, ka, kk, km, ky,
mg, mn, ms, my, ne, ps, pt, ru, si, sn, so, sv, sw, ta, tg, tk, uk, ur, uz, vi, zh.
Each is accepted; those without a text of their own here (am, km, mg, my, ps, si, sn)
get the English one (FALLBACK), as `docs/rest-api.md` states.
"""

from __future__ import annotations

LANGUAGES = frozenset((
    "am", "ar", "az", "bn", "de", "en", "es", "fa", "fr", "he", "hi", "hy", "id", "it", "ja",
    "ka", "kk", "km", "ky", "mg", "mn", "ms", "my", "ne", "ps", "pt", "ru", "si", "sn", "so",
    "sv", "sw", "ta", "tg", "tk", "uk", "ur", "uz", "vi", "zh",
))  # fmt: skip
FALLBACK = "en"

# language: (SMS text with {code}, voice script with {digits} said twice)
TEXTS: dict[str, tuple[str, str]] = {
    "en": ("Your verification code is {code}", "Your verification code is: {digits}. "
           "I repeat: {digits}."),
    "ar": ("رمز التحقق الخاص بك هو {code}", "رمز التحقق الخاص بك هو: {digits}. أكرر: {digits}."),
    "az": ("Təsdiq kodunuz: {code}", "Təsdiq kodunuz: {digits}. Təkrar edirəm: {digits}."),
    "bn": ("আপনার যাচাইকরণ কোড হল {code}", "আপনার যাচাইকরণ কোড হল: {digits}। আবার বলছি: {digits}।"),
    "de": ("Ihr Bestätigungscode lautet {code}", "Ihr Bestätigungscode lautet: {digits}. "
           "Ich wiederhole: {digits}."),
    "es": ("Tu código de verificación es {code}", "Tu código de verificación es: {digits}. "
           "Repito: {digits}."),
    "fa": ("کد تأیید شما {code} است", "کد تأیید شما: {digits}. تکرار می‌کنم: {digits}."),
    "fr": ("Votre code de vérification est {code}", "Votre code de vérification est : {digits}. "
           "Je répète : {digits}."),
    "he": ("קוד האימות שלך הוא {code}", "קוד האימות שלך הוא: {digits}. אני חוזר: {digits}."),
    "hi": ("आपका सत्यापन कोड {code} है", "आपका सत्यापन कोड है: {digits}। फिर से: {digits}।"),
    "hy": ("Ձեր հաստատման կոդն է՝ {code}", "Ձեր հաստատման կոդն է՝ {digits}։ Կրկնում եմ՝ {digits}։"),
    "id": ("Kode verifikasi Anda adalah {code}", "Kode verifikasi Anda adalah: {digits}. "
           "Saya ulangi: {digits}."),
    "it": ("Il tuo codice di verifica è {code}", "Il tuo codice di verifica è: {digits}. "
           "Ripeto: {digits}."),
    "ja": ("認証コードは {code} です", "認証コードは {digits} です。繰り返します。{digits}。"),
    "ka": ("თქვენი დადასტურების კოდია {code}", "თქვენი დადასტურების კოდია: {digits}. "
           "ვიმეორებ: {digits}."),
    "kk": ("Растау кодыңыз: {code}", "Растау кодыңыз: {digits}. Қайталаймын: {digits}."),
    "ky": ("Ырастоо кодуңуз: {code}", "Ырастоо кодуңуз: {digits}. Кайталайм: {digits}."),
    "mn": ("Таны баталгаажуулах код: {code}", "Таны баталгаажуулах код: {digits}. "
           "Давтъя: {digits}."),
    "ms": ("Kod pengesahan anda ialah {code}", "Kod pengesahan anda ialah: {digits}. "
           "Saya ulang: {digits}."),
    "ne": ("तपाईंको प्रमाणीकरण कोड {code} हो", "तपाईंको प्रमाणीकरण कोड: {digits}। फेरि: {digits}।"),
    "pt": ("Seu código de verificação é {code}", "Seu código de verificação é: {digits}. "
           "Repito: {digits}."),
    "ru": ("Ваш код подтверждения: {code}", "Ваш код подтверждения: {digits}. "
           "Повторяю: {digits}."),
    "so": ("Koodhkaaga xaqiijinta waa {code}", "Koodhkaaga xaqiijinta waa: {digits}. "
           "Mar kale: {digits}."),
    "sv": ("Din verifieringskod är {code}", "Din verifieringskod är: {digits}. "
           "Jag upprepar: {digits}."),
    "sw": ("Msimbo wako wa uthibitishaji ni {code}", "Msimbo wako wa uthibitishaji ni: {digits}. "
           "Narudia: {digits}."),
    "ta": ("உங்கள் சரிபார்ப்புக் குறியீடு {code}", "உங்கள் சரிபார்ப்புக் குறியீடு: {digits}. "
           "மீண்டும்: {digits}."),
    "tg": ("Рамзи тасдиқи шумо: {code}", "Рамзи тасдиқи шумо: {digits}. Такрор: {digits}."),
    "tk": ("Tassyklama koduňyz: {code}", "Tassyklama koduňyz: {digits}. Gaýtalaýaryn: {digits}."),
    "uk": ("Ваш код підтвердження: {code}", "Ваш код підтвердження: {digits}. "
           "Повторюю: {digits}."),
    "ur": ("آپ کا تصدیقی کوڈ {code} ہے", "آپ کا تصدیقی کوڈ ہے: {digits}۔ دوبارہ: {digits}۔"),
    "uz": ("Tasdiqlash kodingiz: {code}", "Tasdiqlash kodingiz: {digits}. Takrorlayman: {digits}."),
    "vi": ("Mã xác minh của bạn là {code}", "Mã xác minh của bạn là: {digits}. "
           "Tôi nhắc lại: {digits}."),
    "zh": ("您的验证码是 {code}", "您的验证码是：{digits}。重复一遍：{digits}。"),
}  # fmt: skip


def text_language(language: str) -> str:
    """The language whose text is used: the asked one, or English where none is written."""
    return language if language in TEXTS else FALLBACK


def sms_text(language: str, code: str) -> str:
    return TEXTS[text_language(language)][0].format(code=code)


def voice_script(language: str, code: str) -> str:
    """The script read out: the code digit by digit, twice."""
    return TEXTS[text_language(language)][1].format(digits=", ".join(code))
