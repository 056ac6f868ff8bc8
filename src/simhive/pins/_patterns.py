"""Compiled patterns for PIN extraction: keywords, distractors and candidate shapes.

Everything here is data. Word lists are lower-case regex fragments; scripts without
spaces between words (Chinese, Japanese, Thai, Arabic affixes) are matched as plain
substrings, spaced scripts behind a word-start boundary.
"""

from __future__ import annotations

import re

# A character that glues onto a code and makes it part of a longer token.
_GLUE = r"A-Za-z0-9\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A"
_NOT_BEFORE = rf"(?<![{_GLUE}\d_])"
_NOT_AFTER = rf"(?![{_GLUE}\d_])"
# Letter codes must also stand clear of base64 punctuation (app-hash suffixes).
_NOT_BEFORE_ALNUM = rf"(?<![{_GLUE}\d_+/=-])"
_NOT_AFTER_ALNUM = rf"(?![{_GLUE}\d_+/=-])"

# Nouns that name the code itself. A message without one of these (or a weak word
# below) close to a number is not a verification text.
_STRONG_WORDS = [
    r"c[oó]d(?:e|es|i|igo|igos|ice|ici|ul|ului)",
    r"(?-i:cod)",
    r"k[oó]d\w*",
    r"k[oó]ð\w*",
    r"c?h?[oó]d",
    r"kaody",
    r"рамз\w*",
    r"lambar",
    r"код\w*",
    r"κωδικ\w*",
    r"pin(?:-?code)?",
    r"otp\w*",
    r"pass-?(?:code|word)s?",
    # Compounds that end in a word for password: "Einmalkennwort", "engångslösenord".
    r"[^\W\d_]*(?:passwort|kennwort|lösenord|passord|wagwoord|password|adgangskode)",
    r"jelsz\w*",
    r"lozink\w*",
    r"лозинк\w*",
    r"lykilorð\w*",
    r"fjalëkalim\w*",
    r"gesl[oa]",
    r"iphasiwedi",
    r"nenosiri",
    r"paro+l\w*",
    r"kata laluan",
    r"chave(?! pix)",
    r"нууц үг",
    r"құпия сөз",
    r"mot de passe",
    r"senha",
    r"contrase[nñ]a",
    r"clave",
    r"parol\w*",
    r"парол\w*",
    r"has[lł]o",
    r"[şs]ifr\w*",
    r"kata sandi",
    r"wachtwoord",
    r"mã",
    r"ma xac (?:thuc|nhan|minh)",
    # Compounds that end in the word for code: "Bestätigungscode", "inlogcode", "engangskode".
    r"(?!(?:bar|zip|post|en|de|uni|geo|source|qr)code)[^\W\d_]+(?:code|kode|kodo|kod|kood|koodi\w*|kóð\w*)",
    r"(?-i:(?:mobile|sms|push|chip|photo|i|m)?TAN)",
    r"(?-i:TAC)",
    r"token",
    r"(?:account|login|log-in|sign-in|access|security|one-time) key",
    r"net-?key",
    r"kood\w*",
    r"i?khodi",
    r"msimbo",
    r"namba(?:ri)?(?: yako)? ya siri",
]
_STRONG_CHARS = [
    "验证码", "驗證碼", "校验码", "校驗碼", "动态码", "動態碼", "动态密码", "认证码",
    "确认码", "確認碼", "验证代码", "密码", "密碼", "口令",
    "認証コード", "確認コード", "認証番号", "確認番号", "ワンタイムパスワード",
    "パスワード", "暗証番号", "コード",
    "인증번호", "인증 번호", "인증코드", "확인번호", "승인번호", "비밀번호", "코드",
    "رمز", "كود", "كلمة المرور", "كلمة السر", "کد",
    "קוד", "סיסמ",
    "कोड", "ओटीपी", "पासवर्ड", "पिन", "কোড", "ওটিপি", "کوڈ",
    "รหัส", "โค้ด",
    "ኮድ", "ကုဒ်", "កូដ", "குறியீடு", "కోడ్", "კოდ", "կոդ", "કોડ", "ಕೋಡ್", "കോഡ്", "ਕੋਡ",
    "ລະຫັດ", "කේත", "کوډ",
    "పాస్‌వర్డ్", "பாஸ்வேர்டு", "கடவுச்சொல்", "পাসওয়ার্ড", "پاس ورڈ",
    "գաղտնաբառ", "ይለፍ ቃል", "මුරපද", "პაროლ",
]  # fmt: skip

# Words about verifying or signing in: they support a nearby number but name no code.
_WEAK_WORDS = [
    r"verif\w*",
    r"vérif\w*",
    r"weryfik\w*",
    r"autoryz\w*",
    r"autori[sz]\w*",
    r"do[gğ]rula\w*",
    r"xác (?:thực|nhận|minh)",
    r"xac (?:thuc|nhan|minh)",
    r"подтвержд\w*",
    r"підтвердж\w*",
    r"верифика\w*",
    r"confirm\w*",
    r"conferm\w*",
    r"bestätig\w*",
    r"bevestig\w*",
    r"potwierdz\w*",
    r"onay\w*",
    r"auth\w*",
    r"approv(?:e|al|ing)",
    r"autentica\w*",
    r"authentifi\w*",
    r"log[- ]?in\w*",
    r"sign[- ]?in",
    r"logowa\w*",
    r"zaloguj\w*",
    r"anmeld\w*",
    r"iniciar sesi[oó]n",
    r"inicio de sesi[oó]n",
    r"acesso",
    r"acceso",
    r"accesso",
    r"connexion",
    r"вход\w*",
    r"входу",
    r"giri[şs]\w*",
    r"masuk",
    r"đăng nhập",
    r"security",
    r"seguridad",
    r"seguran[cç]a",
    r"sécurité",
    r"sicherheit\w*",
    r"sicurezza",
    r"безопасн\w*",
    r"activa\w*",
    r"ativa\w*",
    r"one[- ]time",
    r"einmal\w*",
    r"jednorazow\w*",
    r"одноразов\w*",
    r"tek kullanımlık",
    r"u?thibitisho",
    r"tabbatar\w*",
    r"fanamarinana\w*",
    r"тасдиқ\w*",
    r"\w*thibitisha\w*",
    r"kinnitus\w*",
    r"namba(?:ri)?",
    r"tumia",
    # Imperatives that put the code right after them: "enter 773302", "use 5540921".
    r"enter",
    r"use",
    r"type",
    r"ingres[ae]",
    r"digite",
    r"insira",
    r"saisissez",
    r"eingeben",
    r"введите",
]
_WEAK_CHARS = [
    "验证", "驗證", "登录", "登入", "登錄", "确认", "確認", "認証", "ログイン",
    "인증", "확인", "로그인",
    "تحقق", "التحقق", "تأكيد",
    "אימות",
    "सत्यापन", "लॉगिन",
    "ยืนยัน", "เข้าสู่ระบบ",
]  # fmt: skip

# Marketing words: a "code" next to these is a coupon, not a verification code.
_PROMO_WORDS = [
    r"promo\w*",
    r"coupons?",
    r"discount\w*",
    r"vouchers?",
    r"% off",
    r"off your",
    r"cupom",
    r"cup[oó]n\w*",
    r"descuento\w*",
    r"desconto\w*",
    r"rabatt\w*",
    r"gutschein\w*",
    r"sconto",
    r"скидк\w*",
    r"промокод\w*",
    r"kupon\w*",
    r"diskon",
    r"indirim\w*",
    r"rabat\w*",
    r"réduction",
    r"gift code",
    r"referral",
    r"pre-?sale",
    r"free (?:shipping|delivery)",
    r"shop (?:now|at|online)",
    r"at checkout",
    r"(?:a|your) free",
    r"save",
    r"for free",
]
_PROMO_CHARS = ["优惠", "折扣", "クーポン", "割引", "쿠폰", "할인", "خصم", "קופון", "הנחה", "कूपन"]

# Phrases where "code" names something else: "area code", "zip code", "code review".
NOT_A_CODE_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:zip|postal|post|area|country|dialing|qr|bar|dress|source|error|status|"
    r"tracking|promo|promotion|promotional|discount|coupon|voucher|bonus|gift|referral|invite|"
    r"invitation|swift|bic|sort|reason|purchase|order(?:\s+confirmation)?|booking|reservation|reward|redemption|ticket|"
    r"door|gate|alarm|lock|parking|wi-?fi|product|licen[cs]e|"
    r"wrong|incorrect|invalid|sim|atm|card|simple|easy|obvious|tried to(?: enter)?|attempted)"
    r"[\s-]*$",
    re.IGNORECASE,
)
NOT_A_CODE_AFTER = re.compile(
    r"^[\s-]*(?:reviews?|of conduct|snippets?|base|editor"
    r"|(?:de |do |da )?(?:compra|reserva|descuento|desconto|promo\w*|réduction|regalo|cadeau)"
    r"|(?:was |has been |wurde |был )?(?:entered|eingegeben|changed|geändert|blocked|gesperrt"
    r"|locked|reset|incorrect\w*|wrong\w*|введен\w*))\b",
    re.I,
)

# Words that, right before a number, say what the number is when it is not a code.
_CONTEXT_WORDS = [
    # "PIN for the 2024 conference": an article makes the number part of a name.
    r"the",
    r"like",
    r"such as",
    r"e\.g\.",
    r"como",
    r"comme",
    r"wie",
    r"вроде",
    r"например",
    r"cannot be",
    r"nicht in",
    r"atm",
    r"terminal",
    r"merchant",
    r"page",
    r"session",
    r"user",
    r"case",
    r"request",
    r"req",
    r"ray",
    r"door",
    r"help(?:line|desk)?",
    r"atendimento",
    r"service",
    r"assistance",
    r"dudas",
    r"locker",
    r"wi-?fi",
    r"alarm",
    r"orders?",
    r"pedido",
    r"commande",
    r"bestellung\w*",
    r"ordine",
    r"zamówieni\w*",
    r"sipari[şs]\w*",
    r"заказ\w*",
    r"замовлення",
    r"pesanan",
    r"đơn hàng",
    r"tracking",
    r"track",
    r"shipment",
    r"parcel",
    r"package",
    r"paquete",
    r"encomenda",
    r"colis",
    r"paket\w*",
    r"посылк\w*",
    r"ref\w*",
    r"transaction",
    r"txn",
    r"trx",
    r"invoice",
    r"factura",
    r"booking",
    r"reservation",
    r"reserva\w*",
    r"flight",
    r"vuelo",
    r"ticket",
    r"seat",
    r"gate",
    r"room",
    r"acc(?:oun)?t",
    r"a/c",
    r"rekening",
    r"rek",
    r"conta",
    r"cuenta",
    r"compte",
    r"konto",
    r"rachunek",
    r"conto",
    r"hesap\w*",
    r"akaun",
    r"t[àa]i kho[ảa]n",
    r"cards?",
    r"carta",
    r"karta",
    r"tarjeta",
    r"cart[aã]o",
    r"carte",
    r"karte",
    r"карт\w*",
    r"сч[её]т\w*",
    r"ending",
    r"ends",
    r"terminad[ao]",
    r"final",
    r"balance",
    r"saldo",
    r"баланс",
    r"amount",
    r"total",
    r"stop",
    r"reply",
    r"text",
    r"call",
    r"dial",
    r"report(?: at| to)?",
    r"hubungi",
    r"central",
    r"help-?line",
    r"hotline",
    r"support",
    r"contact",
    r"customer (?:care|service)",
    r"lig(?:ue|ar)",
    r"llam[ae](?:nos)?(?: al)?",
    r"appelez(?: le)?",
    r"anrufen",
    r"звоните",
    r"телефон\w*",
    r"points",
    r"no\.",
    r"stop(?: all)? to",
    r"(?:text|send|reply)(?: \w+)? to",
    r"#",
    r"№",
]
_CONTEXT_CHARS = [
    "尾号",
    "尾號",
    "末尾",
    "卡号",
    "订单",
    "訂單",
    "注文",
    "주문",
    "余额",
    "快递",
    "运单",
    "客服",
    "口座",
    "계좌",
    "账户",
    "帳戶",
    "บัญชี",
    "电话",
    "電話",
    "热线",
    "お問い合わせ",
    "고객센터",
    "문의",
]


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Short words that may sit between a keyword and its code ("code is", "код:", "は").
FILLERS = _words(
    """
    is es é e est ist lautet è jest wynosi to är er adalah anda là của bạn это ваш ваша
    твой your tu su seu sua o a el la le votre ton ihr dein deine il tuo twój twoj ihre uw
    je jouw senin sizin here are for de do da di du des der the our new kamu nya was
    hu ki vaš váš din ditt jūsų für voor för til dit on van ma cua ban la для в на
    вашего вашей від
    是 为 為 您的 你的 は が の 는 은 이 가 هو هي الخاص بك لك الخاصة הוא שלך שלכם है आपका
    का की คือ ของคุณ
    yako wako ya wa ni yakho ngu sinu teie ialah anda as como comme als kama
    """
)

# Words before a keyword that point back at a code already given ("share this code").
DEMONSTRATIVES = _words(
    """
    this that these este esta esse essa ce cet cette diesen dieser diese questo questa
    этот этого эту его ten tego bu share
    """
)
DEMONSTRATIVES_AFTER = _words("ini này นี้")

# Words after "confirmation"/"reference" that make it a receipt number, not a code.
RECEIPT_WORDS = _words("number no nr id número numéro nummer номер")


def _alternation(words: list[str], chars: list[str]) -> str:
    spaced = "|".join(words)
    dense = "|".join(re.escape(c) for c in chars)
    return rf"(?<![^\W\d_])(?:{spaced})(?![^\W\d_])|{dense}"


STRONG = re.compile(_alternation(_STRONG_WORDS, _STRONG_CHARS), re.IGNORECASE)
WEAK = re.compile(_alternation(_WEAK_WORDS, _WEAK_CHARS), re.IGNORECASE)
PROMO = re.compile(_alternation(_PROMO_WORDS, _PROMO_CHARS), re.IGNORECASE)
CONTEXT = re.compile(
    rf"(?:(?<![^\W\d_])(?:{'|'.join(_CONTEXT_WORDS)})|{'|'.join(_CONTEXT_CHARS)})"
    r"(?:\s*(?:id|no\.?|nr\.?|number|n[uú]mero|num[eé]ro|nummer|номер|#|№))?"
    r"(?:\s+(?:is|are|es|est|ist|è|é))?[\s:：.#№*xX-]*$",
    re.IGNORECASE,
)

# WebOTP origin-bound line: "@example.com #123456 %other.com".
WEBOTP = re.compile(r"(?m)^[ \t]*@[A-Za-z0-9.-]+\.[A-Za-z]{2,}[ \t]+#([A-Za-z0-9-]{3,12})\b")

_MONTHS = (
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|ene|abr|ago|dic|fev|mai|out|dez"
    r"|janv|févr|avr|juil|août|déc|mär|okt|дек|янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя"
)
_CURRENCY_SIGNS = r"[$€£¥₹₽₩₺₫฿₪₴₦₱]|R\$|US\$|A\$|C\$|S\$|HK\$|NT\$|MX\$"
# Latin-letter currency names need a word boundary ("đ" must not eat Vietnamese "để").
_CURRENCY_CODES = (
    r"USD|EUR|GBP|RUB|INR|BRL|MXN|COP|ARS|CLP|PEN|IDR|VND|THB|TRY|PLN|UAH|KZT|CNY|RMB|JPY"
    r"|KRW|AED|SAR|EGP|NGN|KES|PHP|MYR|SGD|HKD|TWD|ILS|CAD|AUD|CHF|SEK|NOK|DKK|CZK|HUF|RON"
    r"|Rs\.?|Rp\.?|TL|zł|руб\.?|рублей|рубля|р\.|грн|тг|đ|dong|dollars?|euros?|reais|pesos"
    r"|rupees|lira"
)
_CURRENCY_DENSE = r"元|円|원|บาท|ريال|درهم|جنيه|₫"
_AMOUNT = r"\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_DURATION_UNITS = (
    r"sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|minutos?|segundos?|horas?|minuti"
    r"|minuten|stunden?|minuty?|minut|dakika|saat|menit|detik|jam|phút|giờ|мин\w*|сек\w*"
    r"|час\w*|хв\w*|分钟|分鐘|分|秒|小时|時間|분|초|시간|นาที|ชั่วโมง|دقائق|دقيقة|ساعة|דקות"
    r"|मिनट|minuter|perc"
)

# Spans that can never hold a code, each behind the characters one of which it needs
# (a cheap test that skips most scans on most messages).
DISTRACTORS: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (("://", "www.", "WWW."), re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)),
    (("/",), re.compile(r"(?<![\w.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/\S*")),
    (("@",), re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+")),
    (tuple("$€£¥₹₽₩₺₫฿₪₴₦₱"), re.compile(rf"(?:{_CURRENCY_SIGNS})\s?(?:{_AMOUNT})")),
    ((), re.compile(rf"(?<![\w.,])(?:{_CURRENCY_CODES})\s?(?:{_AMOUNT})", re.IGNORECASE)),
    (
        (),
        re.compile(
            rf"(?<![\d.,])(?:{_AMOUNT})\s?(?:(?:{_CURRENCY_CODES})(?![^\W\d_])"
            rf"|{_CURRENCY_SIGNS}|{_CURRENCY_DENSE})",
            re.IGNORECASE,
        ),
    ),
    (("-", "/", ".", "年"), re.compile(r"(?<!\d)\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?!\d)")),
    (("-", "/", "."), re.compile(r"(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)")),
    (("月",), re.compile(r"(?<!\d)\d{1,2}月\d{1,2}日")),
    ((), re.compile(rf"(?<!\d)\d{{1,2}}\s(?:{_MONTHS})[a-zа-я]*\.?,?\s\d{{2,4}}", re.IGNORECASE)),
    (
        (),
        re.compile(rf"(?<![^\W\d_])(?:{_MONTHS})[a-zа-я]*\.?\s\d{{1,2}},?\s\d{{4}}", re.IGNORECASE),
    ),
    ((), re.compile(r"(?<!\d)\d{1,2}[:：h]\d{2}(?:[:：]\d{2})?(?:\s?[ap]\.?m\.?)?(?!\d)", re.I)),
    (("+",), re.compile(r"\+\s?\d[\d \u00a0().-]{6,}\d")),
    (("-",), re.compile(r"(?<![\d-])\d{3}-\d{4}(?![\d-])")),
    (("(",), re.compile(r"\(\d{2,4}\)\s?\d{3,4}[-. ]\d{2,4}(?:[-. ]\d{2})?")),
    ((), re.compile(rf"(?<![\d.,])\d+(?:[.,]\d+)?\s?(?:{_DURATION_UNITS})(?![^\W\d_])", re.I)),
    (("%",), re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?\s?%")),
    ((), re.compile(r"(?<![A-Za-z])[*•xX]{1,12}\s?\d{2,6}(?!\d)")),
]
# Numbers listed as alternatives are examples, not a code: "PINs like 1234 or 0000".
ENUMERATION = re.compile(
    r"(?<![\d,.])\d{3,8}(?:\s*(?:,|\bor\b|\bo\b|\bou\b|\boder\b|\bили\b|\blub\b|\bveya\b"
    r"|\batau\b)\s*\d{3,8})+(?!\d|[,.]\d)",
    re.I,
)
# Three or more digit groups ("800-555-1234", "8 800 555 35 35") are phone numbers once they
# hold seven digits or more; shorter ones may be a grouped code ("12 34 56").
PHONE_GROUPS = re.compile(r"(?<![\d-])\d{1,4}(?:[-. \u00a0]\d{2,4}){2,}(?![\d-])")
PHONE_MIN_DIGITS = 7

# Candidate shapes, tried in order of preference when they overlap.
PREFIXED = re.compile(rf"{_NOT_BEFORE}[A-Z]{{1,4}}-\d{{3,8}}{_NOT_AFTER}")
GROUPED = re.compile(
    rf"{_NOT_BEFORE}\d{{2,4}}(?:([ \u00a0\-–])\d{{2,4}})(?:\1\d{{2,4}})?{_NOT_AFTER}"
)
DIGITS = re.compile(rf"{_NOT_BEFORE}\d{{3,10}}{_NOT_AFTER}")
# Letters and digits around a hyphen: "KX7-29Q".
HYPHENATED = re.compile(
    rf"{_NOT_BEFORE_ALNUM}(?=[A-Z0-9-]*[A-Z])(?=[A-Z0-9-]*\d)[A-Z0-9]{{3,4}}-[A-Z0-9]{{3,4}}"
    rf"{_NOT_AFTER_ALNUM}"
)
ALNUM = re.compile(rf"{_NOT_BEFORE_ALNUM}[A-Za-z0-9]{{4,10}}{_NOT_AFTER_ALNUM}")
# What may stand around a code sent alone on its first line: blank space, the SMS Retriever
# "<#>", the sender's name in brackets ("[Acme] 482913", "4419 (Acme)").
LINE_LEAD = re.compile(r"\s*(?:<#>\s*)?(?:[\[【(][^\]】)\n]{1,30}[\]】)]\s*)?")
LINE_TAIL = re.compile(r"[ \t]*(?:[\[【(][^\]】)\n]{1,30}[\]】)])?\s*(?:\n|$)")
# "with code 7712", "show code 5510": how coupons are handed out. Such a number is a code
# only when the message also speaks of verifying, signing in or a one-time password.
PROMO_LEAD = re.compile(
    r"(?<![^\W\d_])(?:with|use|enter|apply|redeem|show|quote|mention|con|avec|mit|pakai|gunakan"
    r"|kullan\w*)(?: (?:the|el|le|den|dem|this))? (?:code|c[oó]digo|codice|kode|kod|код)\s*:?\s*$",
    re.I,
)
# "Don't use 1234 as your PIN": an example of what not to choose.
NEGATED_USE = re.compile(
    r"(?<![^\W\d_])(?:don'?t|do not|never|no|nunca|nie|не) (?:use|uses|usar|usa|choose|pick"
    r"|используйте)\s+$",
    re.I,
)
# "It expires in 10 minutes": a code that lapses within minutes verifies something.
MINUTES = re.compile(
    r"(?<![\d.,])\d{1,2}\s?(?:min(?:ute)?s?|minutos?|minuti|minuten|minuty|minut|dakika|menit|phút"
    r"|минут\w*|хвилин\w*|分钟|分鐘|分|분|นาที|دقائق|דקות|मिनट)(?![^\W\d_])",
    re.I,
)
# Keywords that name a code or an action without saying it verifies anything.
BARE_KEYWORDS = _words(
    """
    code codes código codigo códigos codice codici codi kode kod kód kodu код кода cod
    use enter type ingrese ingresa digite insira saisissez eingeben введите tumia
    """
)
# "Use QMZT as your account key": a letter code may come before its code word here only.
USE_BEFORE = re.compile(r"(?<![^\W\d_])(?:use|utilisez|usa|use o|verwenden sie|tumia)\s+$", re.I)
AS_AFTER = re.compile(r"\s+(?:as|como|comme|als|kama)\s", re.I)
# Capitals that follow a code word without being a code: "OTPs are SECRET", "code: NEVER".
CAPITAL_WORDS = _words(
    """
    STOP HELP INFO NEVER SHARE CODE CODES SECRET VALID INVALID EXPIRED FREE SALE DEAR NOTE
    WARNING ALERT URGENT THANK THANKS YOUR THIS THAT WITH FROM ANYONE NONE ONLY SENT TEXT CALL
    REPLY BANK CARD SAFE KEEP ENTER SIAPAPUN JANGAN BERIKAN KEPADA KODE TIDAK
    """
)
# Between a code word and a code made of letters only these may stand ("code is", "code de
# vérification est :"), and one of them or a colon must: "รหัส LINE" names an app, not a code.
COPULAS = _words("is es est ist lautet è é är er ni on adalah ialah là je jest to это = : ：")
LOOSE_FILLERS = COPULAS | _words("de di do da your votre")
SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")
WORD = re.compile(r"\w+")
# Letter-digit tokens that are words, not codes: "10mins", "3rd", "iPhone15".
# A word with a number, the shape of coupons ("TREAT40", "STAY3PAY2"): a code only where
# the text says "code is" right before it.
VANITY = re.compile(r"[A-Za-z]{3,}\d{1,4}|[A-Za-z]{3,}\d[A-Za-z]{3,}\d?")
WORDLIKE = re.compile(r"\d+[a-z]+|[A-Za-z]*[a-z][A-Za-z]*\d+")
