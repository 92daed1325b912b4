"""Languages as PubMed, RIS and CSL write them: MEDLINE's three-letter codes (ISO 639-2/B,
'eng', 'ger'), BCP 47 tags ('en', 'de') that CSL processors expect, and English names
('German') for the NLM style's '[Article in German]'.

CSL-JSON with `"language": "eng"` is not valid BCP 47; citeproc-js and pandoc then treat an
English record as foreign and leave its title in sentence case in APA.
"""

from __future__ import annotations

import re

_LANGUAGES = (
    # MEDLINE code, BCP 47, English name
    ("afr", "af", "Afrikaans"), ("alb", "sq", "Albanian"), ("ara", "ar", "Arabic"),
    ("arm", "hy", "Armenian"), ("bos", "bs", "Bosnian"), ("bul", "bg", "Bulgarian"),
    ("cat", "ca", "Catalan"), ("chi", "zh", "Chinese"), ("cze", "cs", "Czech"),
    ("dan", "da", "Danish"), ("dut", "nl", "Dutch"), ("eng", "en", "English"),
    ("epo", "eo", "Esperanto"), ("est", "et", "Estonian"), ("fin", "fi", "Finnish"),
    ("fre", "fr", "French"), ("geo", "ka", "Georgian"), ("ger", "de", "German"),
    ("gre", "el", "Greek"), ("heb", "he", "Hebrew"), ("hin", "hi", "Hindi"),
    ("hrv", "hr", "Croatian"), ("hun", "hu", "Hungarian"), ("ice", "is", "Icelandic"),
    ("ind", "id", "Indonesian"), ("ita", "it", "Italian"), ("jpn", "ja", "Japanese"),
    ("kor", "ko", "Korean"), ("lat", "la", "Latin"), ("lav", "lv", "Latvian"),
    ("lit", "lt", "Lithuanian"), ("mac", "mk", "Macedonian"), ("may", "ms", "Malay"),
    ("nor", "no", "Norwegian"), ("per", "fa", "Persian"), ("pol", "pl", "Polish"),
    ("por", "pt", "Portuguese"), ("rum", "ro", "Romanian"), ("rus", "ru", "Russian"),
    ("slo", "sk", "Slovak"), ("slv", "sl", "Slovenian"), ("spa", "es", "Spanish"),
    ("srp", "sr", "Serbian"), ("swe", "sv", "Swedish"), ("tha", "th", "Thai"),
    ("tur", "tr", "Turkish"), ("ukr", "uk", "Ukrainian"), ("urd", "ur", "Urdu"),
    ("vie", "vi", "Vietnamese"), ("wel", "cy", "Welsh"),
    # the rest of MEDLINE's language list, and codes whose bibliographic (B) form is not BCP 47
    ("amh", "am", "Amharic"), ("aze", "az", "Azerbaijani"), ("baq", "eu", "Basque"),
    ("ben", "bn", "Bengali"), ("bur", "my", "Burmese"), ("gla", "gd", "Scottish Gaelic"),
    ("gle", "ga", "Irish"), ("kin", "rw", "Kinyarwanda"), ("mal", "ml", "Malayalam"),
    ("mao", "mi", "Maori"), ("mlt", "mt", "Maltese"), ("nep", "ne", "Nepali"),
    ("pus", "ps", "Pushto"), ("san", "sa", "Sanskrit"), ("sin", "si", "Sinhala"),
    ("swa", "sw", "Swahili"), ("tam", "ta", "Tamil"), ("tel", "te", "Telugu"),
    ("tib", "bo", "Tibetan"), ("uzb", "uz", "Uzbek"),
)
_OWN_TAGS = {"mul", "und"}
"""MEDLINE's 'multiple languages' and 'undetermined', which are BCP 47 tags as they are."""
_ALIASES = {"deu": "ger", "fra": "fre", "zho": "chi", "nld": "dut", "ces": "cze", "ell": "gre",
            "fas": "per", "ron": "rum", "slk": "slo", "sqi": "alb", "hye": "arm", "kat": "geo",
            "isl": "ice", "mkd": "mac", "msa": "may", "cym": "wel", "scr": "hrv", "scc": "srp",
            "eus": "baq", "mya": "bur", "bod": "tib", "mri": "mao"}
_BY_CODE = {code: (tag, name) for code, tag, name in _LANGUAGES}
_BY_TAG = {tag: code for code, tag, _ in _LANGUAGES}
_BY_NAME = {name.lower(): code for code, _, name in _LANGUAGES}


def medline_code(language: str | None) -> str | None:
    """'eng' for 'eng', 'en', 'en-US', 'English', 'deu'; None for what is not a known language."""
    if not language:
        return None
    text = language.strip().lower()
    if text in _BY_CODE:
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    if text in _BY_NAME:
        return _BY_NAME[text]
    return _BY_TAG.get(text.replace("_", "-").split("-")[0])


def bcp47(language: str | None) -> str | None:
    """The BCP 47 tag CSL expects ('de' for 'ger'; 'mul' and 'und' as they are); None for a value
    that is not a language this module knows, since an invalid tag misleads processors more than
    none (an unknown 'eng'-like code made pandoc treat English as foreign)."""
    code = medline_code(language)
    if code:
        return _BY_CODE[code][0]
    text = (language or "").strip()
    if text.lower() in _OWN_TAGS or _TWO_LETTER_TAG.fullmatch(text):  # 'mul'; 'haw' no, 'ht' yes
        return text.lower() if text.lower() in _OWN_TAGS else text
    return None


_TWO_LETTER_TAG = re.compile(r"[a-z]{2}(?:-[A-Za-z0-9]{2,8})*")
"""A BCP 47 tag whose language is a two-letter ISO 639-1 code: valid as it is. A three-letter
code this module does not know may be a bibliographic ISO 639-2 code that BCP 47 does not use."""


def english_name(language: str | None) -> str | None:
    """'German' for 'ger' (or 'de', 'deu'); None for an unknown code."""
    code = medline_code(language)
    return _BY_CODE[code][1] if code else None


def is_english(language: str | None) -> bool:
    return medline_code(language) == "eng"
