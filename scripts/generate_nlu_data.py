#!/usr/bin/env python
"""Generates the templated part of the NLU training data (data/nlu/generated/*.yml).

The entity-heavy intents (documents, fees, terms, places, tracking, bare answers) need every
document name in every case form, with reasons, ages and document numbers. Writing all
combinations by hand is error-prone, so they come from templates here; the hand-written
files in data/nlu/*.yml hold the small intents and real user messages from `dmsbot inbox`.
Run: .venv/bin/python scripts/generate_nlu_data.py   (deterministic: fixed seed)
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textnorm import canonical_document_number  # noqa: E402

OUT_DIR = ROOT / "data" / "nlu" / "generated"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"

Ent = Tuple[str, str, Optional[str]]  # (text, entity, value)
Seg = Union[str, Ent]

# --------------------------------------------------------------------------- vocabularies
DOCS: Dict[str, Dict[str, List[str]]] = {
    "id_card": {
        "nom": [
            "ID-картка",
            "айді-картка",
            "айдішка",
            "ID картка",
            "паспорт-картка",
            "айді",
            "ID",
            "паспорт",
            "внутрішній паспорт",
            "пластиковий паспорт",
            "паспорт у формі ID-картки",
            "айдi",
            "картка ID",
            "новий паспорт",
            "айді карта",
            "ід картка",
        ],
        "gen": [
            "ID-картки",
            "айді-картки",
            "айдішки",
            "ID картки",
            "паспорта-картки",
            "айді",
            "ID",
            "паспорта",
            "паспорту",
            "внутрішнього паспорта",
            "пластикового паспорта",
            "паспорта у формі ID-картки",
            "айдiшки",
            "ід картки",
            "ID-карти",
        ],
        "acc": [
            "ID-картку",
            "айді-картку",
            "айдішку",
            "ID картку",
            "паспорт-картку",
            "айді",
            "ID",
            "паспорт",
            "внутрішній паспорт",
            "пластиковий паспорт",
            "айдiшку",
            "ід картку",
            "паспорт громадянина України",
        ],
        "ru_nom": ["ID-карта", "айди карта", "айдишка", "айди", "внутренний паспорт", "паспорт", "ID карта"],
        "ru_gen": ["ID-карты", "айди карты", "айдишки", "внутреннего паспорта", "паспорта", "айди", "ID карты"],
        "ru_acc": ["ID-карту", "айди карту", "айдишку", "паспорт", "внутренний паспорт", "айди"],
        "en": ["ID card", "Ukrainian ID card", "ID-card", "identity card", "internal passport", "national ID"],
    },
    "foreign_passport": {
        "nom": [
            "закордонний паспорт",
            "закордонний",
            "закордонка",
            "біометричний паспорт",
            "біометрика",
            "загранпаспорт",
            "загран",
            "паспорт для виїзду за кордон",
            "біометричний",
            "закордоний паспорт",
            "закордоннний",
            "закордонний пасспорт",
            "загранка",
        ],
        "gen": [
            "закордонного паспорта",
            "закордонного паспорту",
            "закордонного",
            "закордонки",
            "біометричного паспорта",
            "загранпаспорта",
            "біометрики",
            "паспорта для виїзду за кордон",
            "закордоного",
            "загранки",
            "біометричного",
        ],
        "acc": [
            "закордонний паспорт",
            "закордонний",
            "закордонку",
            "біометричний паспорт",
            "загранпаспорт",
            "біометрику",
            "паспорт для виїзду за кордон",
            "загранку",
            "закордоний",
            "біометричний",
        ],
        "ru_nom": ["загранпаспорт", "заграничный паспорт", "загранник", "биометрический паспорт", "загран", "загранка"],
        "ru_gen": ["загранпаспорта", "заграничного паспорта", "загранника", "биометрического паспорта", "загранки"],
        "ru_acc": ["загранпаспорт", "заграничный паспорт", "загранник", "биометрику", "загранку"],
        "en": [
            "passport for travel abroad",
            "international passport",
            "foreign passport",
            "travel passport",
            "biometric passport",
            "Ukrainian passport for travelling",
        ],
    },
    "temporary_residence_permit": {
        "nom": [
            "посвідка на тимчасове проживання",
            "ПТП",
            "посвідка на тимчасове",
            "тимчасова посвідка",
            "посвідка тимчасового проживання",
            "посвідка на тимчасове перебування",
            "тимчасовий вид на проживання",
        ],
        "gen": [
            "посвідки на тимчасове проживання",
            "ПТП",
            "посвідки на тимчасове",
            "тимчасової посвідки",
            "посвідки тимчасового проживання",
            "посвідки на тимчасове перебування",
        ],
        "acc": [
            "посвідку на тимчасове проживання",
            "ПТП",
            "посвідку на тимчасове",
            "тимчасову посвідку",
            "посвідку тимчасового проживання",
        ],
        "ru_nom": ["вид на временное проживание", "временный вид на жительство", "ВНЖ", "временная посвидка"],
        "ru_gen": ["вида на временное проживание", "временного вида на жительство", "ВНЖ", "временной посвидки"],
        "ru_acc": ["вид на временное проживание", "временный вид на жительство", "ВНЖ", "временную посвидку"],
        "en": [
            "temporary residence permit",
            "TRP",
            "residence permit",
            "temporary residence card",
            "residence card",
            "temporary residence",
            "temporary permit",
            "residency permit",
            "temp residence permit",
        ],
    },
    "permanent_residence_permit": {
        "nom": [
            "посвідка на постійне проживання",
            "ППП",
            "посвідка на постійне",
            "постійна посвідка",
            "посвідка на ПМП",
            "ПМП",
            "ПМЖ",
            "посвідка на ПМЖ",
            "посвідка постійного проживання",
        ],
        "gen": [
            "посвідки на постійне проживання",
            "ППП",
            "посвідки на постійне",
            "постійної посвідки",
            "посвідки на ПМЖ",
            "ПМЖ",
            "посвідки на ПМП",
        ],
        "acc": [
            "посвідку на постійне проживання",
            "ППП",
            "посвідку на постійне",
            "постійну посвідку",
            "посвідку на ПМЖ",
            "ПМЖ",
            "посвідку на ПМП",
        ],
        "ru_nom": ["вид на жительство", "вид на постоянное проживание", "постоянный вид на жительство", "ПМЖ"],
        "ru_gen": ["вида на жительство", "вида на постоянное проживание", "постоянного вида на жительство", "ПМЖ"],
        "ru_acc": ["вид на жительство", "вид на постоянное проживание", "постоянный вид на жительство", "ПМЖ"],
        "en": [
            "permanent residence permit",
            "permanent residence",
            "PRP",
            "permanent residence card",
            "permanent residency",
            "permanent residency permit",
        ],
    },
}
DOC_WEIGHTS = {"id_card": 4, "foreign_passport": 4, "temporary_residence_permit": 2, "permanent_residence_permit": 2}

REASONS: Dict[str, Dict[str, List[str]]] = {
    "first_issue": {
        "uk": ["вперше", "перший раз", "в перший раз", "вперше в житті", "перший паспорт", "оформлюю вперше"],
        "ru": ["в первый раз", "впервые", "первый раз", "первый паспорт"],
        "en": ["for the first time", "first time", "first one"],
    },
    "expired": {
        "uk": [
            "закінчився термін дії",
            "термін дії закінчився",
            "прострочений",
            "минув строк дії",
            "закінчується строк дії",
            "вийшов термін",
            "закінчився строк",
            "прострочився",
        ],
        "ru": ["истек срок", "просрочен", "закончился срок действия", "срок вышел"],
        "en": ["expired", "has expired", "is expiring"],
    },
    "name_change": {
        "uk": [
            "змінила прізвище",
            "змінив прізвище",
            "після одруження",
            "зміна прізвища",
            "змінила ім'я",
            "поміняла прізвище",
            "після розлучення повернула прізвище",
            "зміна імені",
        ],
        "ru": ["сменила фамилию", "поменяла фамилию", "смена фамилии"],
        "en": ["changed my name", "name change", "changed my surname"],
    },
    "data_error": {
        "uk": [
            "помилка в даних",
            "помилка в прізвищі",
            "неправильно вказали дату народження",
            "помилка в паспорті",
            "опечатка в імені",
            "неправильно написали ім'я",
            "помилка в документі",
        ],
        "ru": ["ошибка в данных", "ошибка в фамилии", "опечатка в паспорте"],
        "en": ["there is a mistake in my data", "a typo in my name", "wrong date of birth"],
    },
    "damaged": {
        "uk": [
            "пошкоджений",
            "пошкодився",
            "порвався",
            "зіпсувався",
            "намок",
            "тріснула",
            "зламався",
            "пошкодила",
            "випрала в пральці",
            "пошкоджена",
        ],
        "ru": ["испорчен", "порвался", "повредил", "сломался", "намок"],
        "en": ["damaged", "is broken", "got wet"],
    },
    "lost": {
        "uk": ["загубив", "загубила", "втратив", "втратила", "згубив", "посіяв", "загубився", "втрачений", "загубили"],
        "ru": ["потерял", "потеряла", "потерялся", "утерян"],
        "en": ["lost", "misplaced"],
    },
    "stolen": {
        "uk": ["вкрали", "викрали", "украли", "поцупили", "викрадено", "вкрали разом з гаманцем", "витягли"],
        "ru": ["украли", "своровали", "похитили", "стащили"],
        "en": ["stolen", "was stolen", "got stolen"],
    },
    "booklet_exchange": {
        "uk": [
            "обмін паспорта-книжечки",
            "поміняти книжечку",
            "обміняти старий паспорт-книжечку",
            "заміна паспорта старого зразка",
            "обміняти книжечку на ID",
            "паспорт-книжечка",
            "старий паспорт книжечка",
            "обмін книжки",
        ],
        "ru": ["поменять паспорт-книжку", "обмен паспорта старого образца", "обменять книжечку"],
        "en": ["exchange my old booklet passport", "replace the old booklet"],
    },
}
LOCATION = {
    "abroad": {
        "uk": [
            "за кордоном",
            "в Польщі",
            "у Німеччині",
            "в Чехії",
            "з-за кордону",
            "в Італії",
            "в Іспанії",
            "закордоном",
            "у Португалії",
            "в Англії",
            "не в Україні",
            "в Канаді",
        ],
        "ru": ["за границей", "в Польше", "в Германии", "за рубежом"],
        "en": ["abroad", "in Poland", "in Germany", "outside Ukraine"],
    },
    "ukraine": {
        "uk": ["в Україні", "в Україні зараз", "тут в Україні", "у Києві", "вдома в Україні", "у Львові", "в Україне"],
        "ru": ["в Украине", "в Киеве", "в Харькове"],
        "en": ["in Ukraine", "in Kyiv"],
    },
}
GROUNDS = {
    "employment": {
        "uk": [
            "на роботу",
            "по роботі",
            "працевлаштування",
            "для роботи",
            "робота",
            "маю дозвіл на працевлаштування",
            "працюю тут",
        ],
        "ru": ["по работе", "на работу", "трудоустройство"],
        "en": ["for work", "employment", "work permit", "I work here", "job"],
    },
    "study": {
        "uk": ["на навчання", "навчання", "я студент", "вчуся в університеті", "для навчання", "студентка"],
        "ru": ["на учебу", "учеба", "я студент"],
        "en": ["study", "for study", "I am a student", "studies", "university"],
    },
    "family_reunification": {
        "uk": [
            "возз'єднання сім'ї",
            "шлюб з громадянкою України",
            "до чоловіка",
            "до дружини",
            "дружина українка",
            "чоловік громадянин України",
            "возз'єднання родини",
            "приїхала до чоловіка",
            "до родини",
            "одруження з українцем",
            "шлюб",
            "до батьків",
        ],
        "ru": ["воссоединение семьи", "жена украинка", "брак с гражданином Украины"],
        "en": ["family reunification", "marriage", "married to a Ukrainian", "my wife is Ukrainian", "spouse"],
    },
    "immigration_permit": {
        "uk": ["дозвіл на імміграцію", "маю дозвіл на імміграцію", "імміграція", "отримав дозвіл на імміграцію"],
        "ru": ["разрешение на иммиграцию", "иммиграция"],
        "en": ["immigration permit", "I have an immigration permit", "immigration"],
    },
    "other": {
        "uk": ["інша підстава", "інше", "волонтерство", "релігійна діяльність", "інша причина"],
        "ru": ["другое основание", "другое"],
        "en": ["other", "another reason", "volunteering"],
    },
}
ISSUED_IN = {
    "ukraine": {
        "uk": ["паспорт видали в Україні", "виданий в Україні", "отримував в Україні", "видавали в Україні"],
        "ru": ["выдан в Украине", "получал в Украине"],
        "en": ["issued in Ukraine"],
    },
    "occupied_territory": {
        "uk": [
            "в окупації",
            "на окупованій території",
            "в Криму",
            "паспорт виданий в окупації",
            "видали в окупованому Донецьку",
            "на тимчасово окупованій території",
        ],
        "ru": ["на оккупированной территории", "в оккупации", "в Крыму"],
        "en": ["in the occupied territory", "issued in occupied Crimea"],
    },
    "abroad": {
        "uk": ["видали за кордоном", "отримав у консульстві", "в посольстві видали", "видали в консульстві"],
        "ru": ["выдали за границей", "получал в консульстве"],
        "en": ["issued at a consulate abroad", "issued abroad"],
    },
}
URGENCY = {
    "urgent": {
        "uk": [
            "терміново",
            "швидко",
            "за 7 днів",
            "прискорено",
            "термінове оформлення",
            "в терміновому порядку",
            "за тиждень",
            "якнайшвидше",
            "срочно",
        ],
        "ru": ["срочно", "быстро", "ускоренно", "за неделю"],
        "en": ["urgent", "express", "urgently", "fast track"],
    },
    "standard": {
        "uk": ["звичайне", "не терміново", "стандартно", "у звичайному порядку", "за 20 днів", "звичайний термін"],
        "ru": ["обычный", "не срочно", "стандартно"],
        "en": ["standard", "regular", "not urgent"],
    },
}
IDP = {
    "uk": [
        "ВПО",
        "переселенець",
        "переселенка",
        "внутрішньо переміщена особа",
        "впо",
        "переселенці",
        "довідка ВПО",
        "внутрішньо переміщеною особою",
        "ВПОшник",
    ],
    "ru": ["ВПЛ", "переселенец", "переселенка", "внутренне перемещенное лицо"],
    "en": ["IDP", "internally displaced person", "displaced"],
}
AGE_WORDS = {
    5: ["п'ять"],
    6: ["шість"],
    7: ["сім"],
    8: ["вісім"],
    9: ["дев'ять"],
    10: ["десять"],
    11: ["одинадцять"],
    12: ["дванадцять"],
    13: ["тринадцять"],
    14: ["чотирнадцять"],
    15: ["п'ятнадцять"],
    16: ["шістнадцять"],
    17: ["сімнадцять"],
    18: ["вісімнадцять"],
    20: ["двадцять"],
    25: ["двадцять п'ять"],
    30: ["тридцять"],
    35: ["тридцять п'ять"],
    40: ["сорок"],
    45: ["сорок п'ять"],
    60: ["шістдесят"],
    65: ["шістдесят п'ять"],
}
AGE_WORDS_RU = {
    5: "пять",
    7: "семь",
    10: "десять",
    12: "двенадцать",
    14: "четырнадцать",
    15: "пятнадцать",
    16: "шестнадцать",
    17: "семнадцать",
    30: "тридцать",
    40: "сорок",
}
AGE_WORDS_EN = {5: "five", 10: "ten", 14: "fourteen", 15: "fifteen", 16: "sixteen", 30: "thirty"}


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, seq: Sequence):
        return self.r.choice(list(seq))

    def doc(self, case: str) -> Ent:
        value = self.r.choices(list(DOC_WEIGHTS), weights=list(DOC_WEIGHTS.values()))[0]
        return (self.pick(DOCS[value][case]), "doc_type", value)

    def doc_of(self, value: str, case: str) -> Ent:
        return (self.pick(DOCS[value][case]), "doc_type", value)

    def valued(
        self, table: Dict[str, Dict[str, List[str]]], entity: str, lang: str, value: Optional[str] = None
    ) -> Ent:
        value = value or self.pick(table)
        return (self.pick(table[value][lang]), entity, value)

    def reason(self, lang: str = "uk", value: Optional[str] = None) -> Ent:
        return self.valued(REASONS, "reason", lang, value)

    def location(self, lang: str = "uk", value: Optional[str] = None) -> Ent:
        return self.valued(LOCATION, "location", lang, value)

    def ground(self, lang: str = "uk", value: Optional[str] = None) -> Ent:
        return self.valued(GROUNDS, "residence_ground", lang, value)

    def issued(self, lang: str = "uk") -> Ent:
        return self.valued(ISSUED_IN, "passport_issued_in", lang)

    def urgency(self, lang: str = "uk", value: Optional[str] = None) -> Ent:
        return self.valued(URGENCY, "urgency", lang, value)

    def idp(self, lang: str = "uk") -> Ent:
        return (self.pick(IDP[lang]), "idp", "true")

    def age(self, lang: str = "uk", child: bool = False) -> Ent:
        n = self.r.choice(
            [3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
            if child
            else [5, 10, 12, 14, 15, 16, 17, 18, 20, 25, 30, 35, 40, 45, 60, 65]
        )
        words = {
            "uk": AGE_WORDS,
            "ru": {k: [v] for k, v in AGE_WORDS_RU.items()},
            "en": {k: [v] for k, v in AGE_WORDS_EN.items()},
        }[lang]
        if n in words and self.r.random() < 0.35:
            return (self.pick(words[n]), "age", str(n))
        return (str(n), "age", str(n))

    def doc_number(self) -> Ent:
        kind = self.r.choice(["booklet", "booklet", "id", "birth", "foreign"])
        digits = "".join(self.r.choice("0123456789") for _ in range(6))
        if kind == "booklet":
            letters = self.r.choice(
                [
                    "КВ",
                    "МЕ",
                    "ВК",
                    "ЕН",
                    "СО",
                    "АВ",
                    "КА",
                    "НК",
                    "ТТ",
                    "ВМ",
                    "КЕ",
                    "МН",
                    "ЕР",
                    "ВА",
                    "ЕС",
                    "КС",
                    "НМ",
                    "ОК",
                    "СН",
                    "ТК",
                    "ВН",
                    "АК",
                    "ЮЮ",
                    "ЖК",
                    "БК",
                    "ЛЯ",
                ]
            )
            style = self.r.random()
            if style < 0.4:
                text = f"{letters}{digits}"
            elif style < 0.6:
                text = f"{letters} {digits}"
            elif style < 0.75:
                text = f"{letters.lower()} {digits}"
            elif style < 0.9 and all(c in "АВЕКМНОРСТХ" for c in letters):
                text = (
                    letters.translate(str.maketrans("АВЕКМНОРСТХ", "ABEKMHOPCTX")) + self.r.choice(["", " "]) + digits
                )
            else:
                text = f"{letters}-{digits}"
        elif kind == "id":
            d9 = "".join(self.r.choice("0123456789") for _ in range(9))
            text = d9 if self.r.random() < 0.8 else f"{d9[:3]} {d9[3:6]} {d9[6:]}"
        elif kind == "birth":
            roman = self.r.choice(["І", "I", "1", "II", "ІІ", "І", "I"])
            letters = self.r.choice(
                ["ВЛ", "КИ", "БК", "ОД", "ЛВ", "ХА", "ДН", "ЗП", "МЛ", "НО", "СМ", "ЧН", "вл", "ки"]
            )
            sep = self.r.choice(["-", "-", " ", "- "])
            text = f"{roman}{sep}{letters}{self.r.choice([' ', '', ' № '])}{digits}"
        else:
            letters = self.r.choice(
                ["FS", "FT", "FU", "FA", "FB", "FC", "FE", "FF", "FH", "FK", "FM", "FP", "FX", "fs", "ft"]
            )
            text = f"{letters}{self.r.choice(['', ' '])}{digits}"
        value = canonical_document_number(text)
        assert value, text
        return (text, "document_number", value)

    def expiry(self) -> Ent:
        d, m, y = self.r.randint(1, 28), self.r.randint(1, 12), self.r.randint(2026, 2036)
        text = self.r.choice([f"{d:02d}.{m:02d}.{y}", f"{d}.{m:02d}.{y}", f"{d:02d}/{m:02d}/{y}"])
        return (text, "expiry_date", f"{y}-{m:02d}-{d:02d}")


# --------------------------------------------------------------------------- noise
_LOOKALIKE = str.maketrans("аеіорсху", "aeiopcxy")


def noisy(g: Gen, text: str, entity: bool) -> str:
    r = g.r
    if "'" in text and r.random() < 0.35:
        text = text.replace("'", r.choice(["’", "ʼ", "`", "", "ʼ"]))
    if not entity and len(text) > 6 and r.random() < 0.08:
        words = text.split(" ")
        i = r.randrange(len(words))
        w = words[i]
        if len(w) > 4 and w.isalpha():
            j = r.randrange(1, len(w) - 1)
            words[i] = r.choice([w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:], w[:j] + w[j + 1] + w[j] + w[j + 2 :]])
        text = " ".join(words)
    if r.random() < 0.04:
        words = text.split(" ")
        i = r.randrange(len(words))
        if re.search("[а-яі]", words[i]):
            j = r.randrange(len(words[i]))
            words[i] = words[i][:j] + words[i][j].translate(_LOOKALIKE) + words[i][j + 1 :]
        text = " ".join(words)
    return text


def render(g: Gen, segs: Sequence[Seg], noise: bool = True) -> Tuple[str, str]:
    """Returns (yaml line with annotations, plain text)."""
    lower = noise and g.r.random() < 0.3
    parts, plain = [], []
    for seg in segs:
        if isinstance(seg, str):
            t = noisy(g, seg, False) if noise else seg
            if lower:
                t = t.lower()
            parts.append(t)
            plain.append(t)
        else:
            text, entity, value = seg
            t = noisy(g, text, True) if noise else text
            if lower and entity not in ("document_number",):
                t = t.lower()
            plain.append(t)
            if value is None or value == t:
                parts.append(f"[{t}]({entity})")
            else:
                parts.append(f"[{t}]" + json.dumps({"entity": entity, "value": value}, ensure_ascii=False))
    line = "".join(parts)
    text = "".join(plain)
    if noise and g.r.random() < 0.35:
        line, text = line.rstrip("?.! "), text.rstrip("?.! ")
    if noise and g.r.random() < 0.2 and text and text[0].islower() and not line.startswith("["):
        line, text = line[0].upper() + line[1:], text[0].upper() + text[1:]
    return line, text


# --------------------------------------------------------------------------- templates
def T(*segs: Seg) -> List[Seg]:
    return list(segs)


def ask_documents(g: Gen) -> List[Seg]:
    lang = g.r.choices(["uk", "uk", "uk", "sz", "ru", "en"])[0]
    if lang == "en":
        doc = g.doc("en")
        opts = [
            T("What documents do I need for a ", doc, "?"),
            T("which documents are required for ", doc),
            T("what papers should I bring to get a ", doc),
            T("documents for ", doc, " based on ", g.ground("en")),
            T("what do I need to apply for ", doc, " for ", g.ground("en")),
            T("I ", g.reason("en", "lost"), " my ", doc, ", what documents do I need"),
            T("my ", doc, " ", g.reason("en", g.pick(["expired", "stolen", "damaged"])), ", what should I bring"),
            T("list of documents for ", doc),
            T("what do I need for a ", doc, " for ", g.ground("en")),
            T("papers needed for ", doc, " if I came for ", g.ground("en")),
            T("I came to Ukraine for ", g.ground("en"), ", what documents for ", doc),
            T("required documents ", doc, " ", g.ground("en")),
            T("how to get a ", doc, "? what documents"),
        ]
        return g.pick(opts)
    if lang == "ru":
        nom, gen, acc = g.doc("ru_nom"), g.doc("ru_gen"), g.doc("ru_acc")
        opts = [
            T("какие документы нужны на ", acc),
            T("что нужно для ", gen),
            T("што нужно чтобы сделать ", acc),
            T("што нужно чтобы сделать ", acc, " ", g.reason("ru")),
            T("что нужно чтобы получить ", acc, " ", g.reason("ru", "first_issue")),
            T("какие документы нужны для ", gen, " ", g.reason("ru")),
            T(g.reason("ru", g.pick(["lost", "stolen"])), " ", acc, ", что делать"),
            T("что нужно для ", gen, " ребенку ", g.age("ru", True), " лет"),
            T("какие бумаги собрать на ", acc),
            T("список документов для ", gen),
            T("я ", g.idp("ru"), ", какие документы нужны на ", acc),
            T("что взять с собой чтобы оформить ", acc, " ", g.location("ru")),
        ]
        return g.pick(opts)
    nom, gen, acc = g.doc("nom"), g.doc("gen"), g.doc("acc")
    opts = [
        T("Які документи потрібні для ", gen, "?"),
        T("Які документи потрібні для ", gen, " ", g.reason(), "?"),
        T("Які документи потрібні для ", gen, " ", g.reason("uk", "first_issue"), ", мені ", g.age("uk", True)),
        T("що потрібно для ", gen),
        T("що треба для ", gen, " дитині ", g.age("uk", True), " років"),
        T("шо треба шоб зробити ", acc),
        T("шо нада для ", gen),
        T("що брати з собою на ", acc),
        T("який пакет документів на ", acc),
        T("перелік документів для оформлення ", gen),
        T("що потрібно щоб оформити ", acc, " ", g.reason()),
        T(g.reason("uk", g.pick(["lost", "stolen"])), " ", acc, " що робити"),
        T(g.reason("uk", g.pick(["lost", "stolen"])), " ", acc, ", які документи потрібні для відновлення"),
        T("в мене ", g.reason("uk", "expired"), " ", gen, ", що потрібно для нового"),
        T("я ", g.reason("uk", "name_change"), ", що треба для нового ", gen),
        T("у ", ("паспорті", "doc_type", "id_card"), " ", g.reason("uk", "data_error"), ", які документи для заміни"),
        T("хочу ", g.reason("uk", "booklet_exchange"), " на ", acc, ", що потрібно"),
        T("мені ", g.age(), ", що потрібно для ", gen),
        T("синові ", g.age("uk", True), ", які документи на ", acc),
        T("доньці ", g.age("uk", True), " років, що треба для ", gen),
        T("я ", g.idp(), ", які документи треба на ", acc),
        T("я ", g.idp(), ", ", g.reason("uk", "lost"), " ", acc, ", що робити"),
        T("які папери для ", gen, " якщо я ", g.location()),
        T("документи на ", acc, " для ", g.ground("uk", "study")),
        T("що треба на ", acc, ", підстава ", g.ground()),
        T("перелік документів для ", gen),
        T("мій ", g.issued(), ", що потрібно для ", gen),
        T("як оформити ", acc, "? що потрібно"),
        T("як зробити ", acc, " ", g.location(), ", які документи"),
        T("які документи треба здати на ", acc),
        T("що необхідно для оформлення ", gen, " ", g.urgency("uk", "urgent")),
        T("скажіть, будь ласка, що потрібно для ", gen, " для дитини ", g.age("uk", True), " років"),
        T("хочу зробити ", acc, ", а старий ", g.reason("uk", "damaged"), ". Що потрібно?"),
        T("які документи на ", acc, " і скільки це коштує"),
        T("що потрібно на перший ", nom, " в ", g.age("uk", True)),
        T("шо по документах на ", acc),
        T("як отримати ", acc, " ", g.reason(), ", які довідки потрібні"),
    ]
    return g.pick(opts)


def ask_fee(g: Gen) -> List[Seg]:
    lang = g.r.choices(["uk", "uk", "uk", "sz", "ru", "en"])[0]
    if lang == "en":
        doc = g.doc("en")
        return g.pick(
            [
                T("How much does a ", doc, " cost?"),
                T("what is the fee for ", doc),
                T("price of ", doc),
                T("how much is the ", doc, " ", g.urgency("en")),
                T("how much do I pay for ", doc),
                T("cost of ", doc, " in Ukraine"),
                T("what's the state fee for a ", doc),
            ]
        )
    if lang == "ru":
        return g.pick(
            [
                T("сколько стоит ", g.doc("ru_nom")),
                T("какая цена ", g.doc("ru_gen")),
                T("сколько платить за ", g.doc("ru_acc")),
                T("почем ", g.doc("ru_nom")),
                T("стоимость ", g.doc("ru_gen"), " ", g.urgency("ru")),
                T("сколько денег надо на ", g.doc("ru_acc")),
                T("сколько стоит сделать ", g.doc("ru_acc"), " ", g.urgency("ru")),
            ]
        )
    return g.pick(
        [
            T("скільки коштує ", g.doc("nom")),
            T("скільки коштує ", g.doc("nom"), " ", g.urgency()),
            T("скільки коштує ", g.doc("nom"), " ", g.urgency("uk", "urgent")),
            T("ціна ", g.doc("gen"), " ", g.urgency()),
            T("яка вартість ", g.doc("gen")),
            T("ціна ", g.doc("gen")),
            T("ціна на ", g.doc("acc")),
            T("скільки платити за ", g.doc("acc")),
            T("скільки треба заплатити за ", g.doc("acc")),
            T("скільки грошей треба на ", g.doc("acc")),
            T("яке мито за ", g.doc("acc")),
            T("вартість оформлення ", g.doc("gen"), " ", g.urgency()),
            T("скільки коштує оформити ", g.doc("acc"), " ", g.urgency()),
            T("чи платно робити ", g.doc("acc")),
            T("скіки стоїть ", g.doc("nom")),
            T("скока стоїть ", g.doc("nom")),
            T("скільки коштує ", g.doc("nom"), " якщо ", g.reason("uk", g.pick(["lost", "stolen", "damaged"]))),
            T("скільки платити за ", g.doc("acc"), " ", g.reason("uk", "first_issue"), " у ", g.age("uk", True)),
            T("чи безкоштовний ", ("перший паспорт", "reason", "first_issue"), " у ", g.age("uk", True)),
            T("чи треба платити за ", g.doc("acc"), " якщо оформлюю ", g.reason("uk", "first_issue")),
            T("по чому зараз ", g.doc("nom")),
            T("скільки за ", g.doc("acc"), " платити в ЦНАПі"),
            T("яка сума за ", g.doc("acc"), " ", g.urgency()),
            T("скільки коштує ", g.doc("nom"), " ", g.location()),
            T("скільки грн коштує ", g.doc("nom")),
            T("який платіж за ", g.doc("acc")),
            T("скільки коштують ", g.doc("nom"), " та ", g.doc("nom"), " разом"),
            T("реквізити і сума оплати за ", g.doc("acc")),
        ]
    )


def ask_processing_time(g: Gen) -> List[Seg]:
    lang = g.r.choices(["uk", "uk", "uk", "sz", "ru", "en"])[0]
    if lang == "en":
        doc = g.doc("en")
        return g.pick(
            [
                T("How long does it take to get a ", doc, "?"),
                T("processing time for ", doc),
                T("how many days for ", doc),
                T("how long to wait for ", doc, " ", g.urgency("en")),
                T("when will a ", doc, " be issued after applying"),
                T("how fast can I get ", doc),
            ]
        )
    if lang == "ru":
        return g.pick(
            [
                T("сколько делается ", g.doc("ru_nom")),
                T("как долго делают ", g.doc("ru_acc")),
                T("сколько ждать ", g.doc("ru_acc")),
                T("сроки изготовления ", g.doc("ru_gen")),
                T("за сколько дней делают ", g.doc("ru_acc"), " ", g.urgency("ru")),
                T("скоко по времени делается ", g.doc("ru_nom")),
            ]
        )
    return g.pick(
        [
            T("за скільки днів роблять ", g.doc("acc")),
            T("скільки чекати ", g.doc("acc")),
            T("як довго робиться ", g.doc("nom")),
            T("який термін виготовлення ", g.doc("gen")),
            T("скільки днів виготовляють ", g.doc("acc")),
            T("строки оформлення ", g.doc("gen")),
            T("швидко можна зробити ", g.doc("acc"), "? за скільки"),
            T("скільки по часу робиться ", g.doc("nom")),
            T("за який час можна отримати ", g.doc("acc"), " ", g.urgency()),
            T("скільки робочих днів оформлюється ", g.doc("nom")),
            T("через скільки буде готовий ", g.doc_of("foreign_passport", "nom"), " якщо подати ", g.urgency()),
            T("за скільки зроблять ", g.doc("acc"), " ", g.location()),
            T("термін оформлення ", g.doc("gen"), " ", g.urgency()),
            T("скільки часу займає оформлення ", g.doc("gen")),
            T("як швидко роблять ", g.doc("acc"), " ", g.urgency()),
            T("скіки чекать ", g.doc("acc")),
            T("коли зазвичай готовий ", g.doc_of("foreign_passport", "nom"), " після подачі"),
            T("скільки тижнів робиться ", g.doc("nom"), " ", g.location()),
            T("чи можна зробити ", g.doc("acc"), " ", g.urgency("uk", "urgent"), " і за скільки днів"),
        ]
    )


def ask_where_to_apply(g: Gen) -> List[Seg]:
    lang = g.r.choices(["uk", "uk", "uk", "sz", "ru", "en"])[0]
    if lang == "en":
        doc = g.doc("en")
        return g.pick(
            [
                T("Where can I apply for a ", doc, "?"),
                T("where do I get ", doc),
                T("which office issues ", doc),
                T("where to submit documents for ", doc),
                T("can I apply for ", doc, " ", g.location("en")),
                T("address of the migration office for ", doc),
            ]
        )
    if lang == "ru":
        return g.pick(
            [
                T("где сделать ", g.doc("ru_acc")),
                T("куда обращаться для оформления ", g.doc("ru_gen")),
                T("где оформить ", g.doc("ru_acc"), " ", g.location("ru")),
                T("где сделать ", g.doc("ru_acc"), " ", g.location("ru")),
                T("можно ли оформить ", g.doc("ru_acc"), " ", g.location("ru")),
                T("куда идти делать ", g.doc("ru_acc")),
                T("можно ли сделать ", g.doc("ru_acc"), " в ЦНАПе"),
            ]
        )
    return g.pick(
        [
            T("де оформити ", g.doc("acc")),
            T("де оформити ", g.doc("acc"), " ", g.location()),
            T("де зробити ", g.doc("acc")),
            T("куди йти щоб зробити ", g.doc("acc")),
            T("де можна подати документи на ", g.doc("acc")),
            T("чи можна зробити ", g.doc("acc"), " в ЦНАП"),
            T("де оформлюють ", g.doc("acc"), " ", g.location()),
            T("куди подавати на ", g.doc("acc")),
            T("адреса де роблять ", g.doc("acc")),
            T("в якому ЦНАПі можна оформити ", g.doc("acc")),
            T("чи роблять ", g.doc("acc"), " в консульстві"),
            T("куди звертатися щоб оформити ", g.doc("acc")),
            T("де подати заяву на ", g.doc("acc"), " ", g.location()),
            T("можна зробити ", g.doc("acc"), " не за пропискою?"),
            T("де найближчий відділ міграційної служби"),
            T("де знаходиться паспортний сервіс"),
            T("чи можна оформити ", g.doc("acc"), " в паспортному сервісі ", g.location("uk", "abroad")),
            T("де роблять ", g.doc("acc"), " для дітей"),
            T("куди йти ", g.location(), " за ", g.doc("acc")),
            T("де оформити ", g.doc("acc"), " якщо я ", g.idp()),
            T("де подаватися на ", g.doc("acc")),
            T("в якому відділенні ДМС можна зробити ", g.doc("acc")),
        ]
    )


def track_document(g: Gen) -> List[Seg]:
    lang = g.r.choices(["uk", "uk", "uk", "sz", "ru", "en"])[0]
    num = g.doc_number()
    if lang == "en":
        doc = g.doc("en")
        return g.pick(
            [
                T("is my ", doc, " ready?"),
                T("check the status of my ", doc),
                T("track my application ", num),
                T("where is my document now, number ", num),
                T("status of ", doc, ", passport ", num),
                T("notify me when my ", doc, " is ready"),
            ]
        )
    if lang == "ru":
        return g.pick(
            [
                T("готов ли мой ", g.doc_of(g.pick(["id_card", "foreign_passport"]), "ru_nom")),
                T("проверить статус ", g.doc("ru_gen")),
                T("где мой ", ("паспорт", "doc_type", "id_card"), " ", num),
                T("проверить готовность ", ("паспорта", "doc_type", "id_card"), " ", num),
                T("статус документа ", num),
                T("хочу отслеживать ", g.doc("ru_acc"), " ", num),
            ]
        )
    return g.pick(
        [
            T("чи готовий мій ", ("паспорт", "doc_type", "id_card"), ", книжечка ", num),
            T("чи готовий мій ", g.doc_of("foreign_passport", "nom")),
            T("який статус мого ", g.doc("gen")),
            T("перевірити статус ", g.doc("gen"), " ", num),
            T("чи готовий мій документ ", num),
            T("де зараз мій ", ("паспорт", "doc_type", "id_card"), "?"),
            T("хочу відстежувати ", g.doc("acc")),
            T("відстежити готовність ", g.doc("gen")),
            T("підписатися на статус ", g.doc("gen")),
            T("статус документа ", num),
            T(num, " чи готово"),
            T("номер ", num, ", перевірте будь ласка"),
            T("свідоцтво про народження ", num, " статус ", g.doc_of("id_card", "gen"), " дитини"),
            T("перевірте мій ", g.doc_of("foreign_passport", "nom"), ", ", num),
            T(num),
            T("чи прийшов уже мій ", g.doc_of(g.pick(["id_card", "foreign_passport"]), "nom"), "? ", num),
            T("на якій стадії оформлення мій ", g.doc_of("foreign_passport", "nom")),
            T("повідомте мене коли ", g.doc("nom"), " буде готовий, ", num),
            T("стан оформлення документів ", num),
            T("чи можна забирати ", g.doc("acc"), "? ", num),
            T("мій номер ", num, ", що з документом?"),
            T("відстеження ", g.doc("gen"), ", номер ", num),
            T("готовність документа перевірити"),
            T("слідкувати за статусом ", g.doc("gen"), " ", num),
            T("чи вже виготовили мій ", g.doc_of("id_card", "nom")),
            T("подавав на ", g.doc("acc"), " місяць тому, де він зараз? ", num),
            T("перевір статус ", num),
            T("хочу отримувати сповіщення про статус ", g.doc("gen")),
        ]
    )


def inform(g: Gen) -> List[Seg]:
    kind = g.r.choices(
        ["reason", "age", "idp", "location", "ground", "issued", "doc", "urgency", "combo"],
        weights=[6, 8, 3, 3, 4, 2, 3, 2, 2],
    )[0]
    lang = g.r.choices(["uk", "uk", "uk", "ru", "en"])[0]
    if kind == "reason":
        r = g.reason(lang)
        return g.pick([T(r), T(r), T("у мене ", r) if lang == "uk" else T(r), T(r, " його") if lang == "uk" else T(r)])
    if kind == "age":
        a = g.age(lang, g.r.random() < 0.5)
        if lang == "en":
            return g.pick([T("I am ", a), T(a, " years old"), T("he is ", a), T(a)])
        if lang == "ru":
            return g.pick([T("мне ", a), T(a, " лет"), T("сыну ", a), T("ребенку ", a, " лет"), T("дочке ", a)])
        if a[0].isdigit():
            return g.pick(
                [
                    T("мені ", a),
                    T(a, " років"),
                    T(a, " р."),
                    T("дитині ", a, " років"),
                    T("сину ", a),
                    T("синові ", a, " років"),
                    T("доньці ", a),
                    T(a),
                    T("йому ", a),
                    T("їй ", a, " років"),
                    T("мені вже ", a),
                    T(a, " рочків"),
                    T("дитині ", a),
                ]
            )
        return g.pick(
            [
                T("мені ", a),
                T("дитині ", a, " років"),
                T("сину ", a),
                T("доньці ", a, " років"),
                T(a, " років"),
                T("дочці ", a),
                T("синові ", a),
                T("сину ", a, " років"),
                T("дитині ", a),
                T("йому ", a),
                T("їй ", a),
            ]
        )
    if kind == "idp":
        i = g.idp(lang)
        if lang == "en":
            return g.pick([T("yes, I am an ", i), T("I'm ", i), T(i)])
        if lang == "ru":
            return g.pick([T("да, я ", i), T("я ", i), T(i)])
        return g.pick([T("так, я ", i), T("я ", i), T(i), T("так, ми ", i), T("маю статус ", i), T("так, є ", i)])
    if kind == "location":
        loc = g.location(lang)
        return g.pick(
            [
                T(loc),
                T("я зараз ", loc) if lang != "en" else T("I live ", loc),
                T("живу ", loc) if lang == "uk" else T(loc),
            ]
        )
    if kind == "ground":
        gr = g.ground(lang)
        if lang == "uk" and g.r.random() < 0.3:
            return T(g.ground("uk", "family_reunification"))
        return g.pick([T(gr), T("підстава — ", gr) if lang == "uk" else T(gr), T(gr)])
    if kind == "issued":
        return T(g.issued(lang))
    if kind == "doc":
        key = {"uk": "nom", "ru": "ru_nom", "en": "en"}[lang]
        return g.pick(
            [T(g.doc(key)), T(g.doc(key)), T("мені потрібен ", g.doc(key)) if lang == "uk" else T(g.doc(key))]
        )
    if kind == "urgency":
        return T(g.urgency(lang))
    return g.pick(
        [
            T(g.reason("uk", "first_issue"), ", мені ", g.age("uk", True)),
            T(g.reason(), ", я ", g.idp()),
            T("мені ", g.age(), ", ", g.reason()),
            T(g.reason(), " ", g.location()),
            T("я ", g.idp(), ", живу ", g.location("uk", "ukraine")),
        ]
    )


def set_expiry_reminder(g: Gen) -> List[Seg]:
    lang = g.r.choices(["uk", "uk", "uk", "ru", "en"])[0]
    if lang == "en":
        return g.pick(
            [
                T("remind me when my ", g.doc("en"), " expires on ", g.expiry()),
                T("set a reminder for my ", g.doc("en"), " expiry"),
                T("notify me before my ", g.doc("en"), " expires, valid until ", g.expiry()),
            ]
        )
    if lang == "ru":
        return g.pick(
            [
                T("напомни когда истекает ", g.doc("ru_nom")),
                T("напомните о сроке действия ", g.doc("ru_gen"), ", действителен до ", g.expiry()),
            ]
        )
    return g.pick(
        [
            T("нагадай, коли закінчується ", g.doc("nom"), ", він дійсний до ", g.expiry()),
            T("нагадайте мені про закінчення терміну дії ", g.doc("gen")),
            T("хочу нагадування, ", g.doc("nom"), " дійсний до ", g.expiry()),
            T("нагадай за місяць до закінчення ", g.doc("gen")),
            T("мій ", g.doc("nom"), " діє до ", g.expiry(), ", нагадайте заздалегідь"),
            T("постав нагадування про строк дії ", g.doc("gen"), " ", g.expiry()),
            T("нагадування про термін дії ", ("паспорта", "doc_type", "id_card")),
            T("нагадай коли треба міняти ", g.doc("acc")),
            T("строк дії ", g.doc("gen"), " до ", g.expiry(), ", нагадай"),
            T("повідом мене коли закінчиться термін дії ", g.doc("gen")),
        ]
    )


GENERATORS = {
    "ask_documents": (ask_documents, 320),
    "ask_fee": (ask_fee, 190),
    "ask_processing_time": (ask_processing_time, 170),
    "ask_where_to_apply": (ask_where_to_apply, 170),
    "track_document": (track_document, 220),
    "inform": (inform, 420),
    "set_expiry_reminder": (set_expiry_reminder, 60),
}


def _heldout_texts() -> set:
    from textnorm import normalize_apostrophes

    texts = set()
    if HELDOUT.exists():
        for line in HELDOUT.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("- ") and not line.startswith("- intent"):
                plain = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:])
                texts.add(normalize_apostrophes(plain).lower().rstrip("?.! "))
    return texts


def main(out_dir: Path = OUT_DIR) -> None:
    from textnorm import normalize_apostrophes

    out_dir.mkdir(parents=True, exist_ok=True)
    blocked = _heldout_texts()
    seen: set = set()
    for intent, (fn, count) in GENERATORS.items():
        g = Gen(seed=sum(map(ord, intent)))
        lines: List[str] = []
        attempts = 0
        while len(lines) < count and attempts < count * 30:
            attempts += 1
            line, text = render(g, fn(g))
            key = normalize_apostrophes(text).lower().rstrip("?.! ")
            if key in seen or key in blocked or not key:
                continue
            seen.add(key)
            lines.append(line)
        body = "\n".join(f"    - {line}" for line in lines)
        (out_dir / f"{intent}.yml").write_text(
            "# GENERATED by scripts/generate_nlu_data.py - do not edit; change the templates there\n"
            "# or add hand-written examples to data/nlu/*.yml.\n"
            f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{body}\n',
            encoding="utf-8",
        )
        print(f"{intent}: {len(lines)} examples")
    write_faq_examples(out_dir, blocked | seen)


def _texts_of(paths) -> set:
    from kbengine.faq import question_key

    texts = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("- ") and not line.startswith("- intent"):
                texts.add(question_key(re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:])))
    return texts


# A bare «паспорт» is not tagged in FAQ questions: there it means either passport (the bot asks which).
_BARE_PASSPORT = re.compile(r"^(паспорт[а-яіїє]{0,3}|passports?)$", re.IGNORECASE)


def _doc_type_pattern() -> "re.Pattern[str]":
    forms: Dict[str, str] = {}
    for value, cases in DOCS.items():
        for form in (f for fs in cases.values() for f in fs):
            if not _BARE_PASSPORT.match(form):
                forms.setdefault(form.lower(), value)
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    _doc_type_pattern.forms = forms  # type: ignore[attr-defined]
    return re.compile(rf"(?<![\w-])({alternation})(?![\w-])", re.IGNORECASE)


def annotate_doc_types(text: str) -> str:
    """Tags the documents named in an FAQ question, as in the checklist intents: without this, ~2,000 untagged
    mentions teach DIET's tagger that a document named in a question is no entity (held-out doc_type F1 fell)."""
    pattern = getattr(annotate_doc_types, "pattern", None) or _doc_type_pattern()
    annotate_doc_types.pattern = pattern  # type: ignore[attr-defined]
    forms = _doc_type_pattern.forms  # type: ignore[attr-defined]
    return pattern.sub(
        lambda m: f'[{m.group(1)}]{{"entity": "doc_type", "value": "{forms[m.group(1).lower()]}"}}', text
    )


# DIET learns «this is an FAQ question» from a few questions per entry; which entry is the retriever's job and it
# indexes every question in kb/faq. All ~2,000 as `faq` made it DIET's dominant class: help, out-of-scope and
# checklist questions went to `faq` too (held-out intent accuracy 0.83). Three rather than four: over trainings with
# several seeds both held-out sets scored higher (0.972 vs 0.964, 0.844 vs 0.835) at alike FAQ figures (docs/nlu.md).
FAQ_EXAMPLES_PER_ENTRY = 3


def _pick_faq_questions(questions: Sequence[str]) -> List[str]:
    """The first English question and the first others, in the editor's order (languages and styles vary)."""
    english = [q for q in questions if not re.search(r"[а-яіїєґё]", q, re.IGNORECASE)]
    picked = english[:1]
    for q in questions:
        if len(picked) >= FAQ_EXAMPLES_PER_ENTRY:
            break
        if q not in picked and q not in english:
            picked.append(q)
    return [q for q in questions if q in picked]


_LANGUAGE_WORDS = [
    (re.compile(r"(?<!\w)(english|англійськ\w*|английск\w*|по-английски)(?!\w)", re.IGNORECASE), "en"),
    (re.compile(r"(?<!\w)(ukrainian|українськ\w*|украинск\w*|по-українськи|по-украински)(?!\w)", re.IGNORECASE), "uk"),
]


def annotate_language(text: str) -> str:
    """`language` entities in a set_language question, as in data/nlu/language.yml."""
    for pattern, value in _LANGUAGE_WORDS:  # the first language named is the one asked for
        if pattern.search(text):
            return pattern.sub(
                lambda m, v=value: f'[{m.group(1)}]{{"entity": "language", "value": "{v}"}}', text, count=1
            )
    return text


def write_faq_examples(out_dir: Path, blocked: set) -> None:
    """A few example questions of each kb/faq entry as the `faq` intent (which entry is decided by
    nlu/faq_retriever.py), and all questions of an entry with `trains_intent` as that intent; never a question
    already an example of another intent or an evaluation question (never trained on)."""
    import yaml

    from dmsbot.commands.inbox import FAQ_EVAL_SETS
    from kbengine.faq import load_faq, question_key

    hand_written = [p for p in (ROOT / "data" / "nlu").glob("*.yml")]
    blocked = {question_key(t) for t in blocked} | _texts_of(hand_written)
    for eval_file in (ROOT / path for path in FAQ_EVAL_SETS):
        blocked |= {question_key(q["text"]) for q in yaml.safe_load(eval_file.read_text(encoding="utf-8"))["questions"]}
    by_intent: Dict[str, List[str]] = {"faq": []}
    for entry in sorted(load_faq().entries.values(), key=lambda e: e.id):
        intent = entry.trains_intent or "faq"
        questions = entry.questions if entry.trains_intent else _pick_faq_questions(entry.questions)
        for question in questions:
            key = question_key(question)
            if key in blocked:
                continue
            blocked.add(key)
            # Brackets would read as entity markup in Rasa's format.
            text = " ".join(re.sub(r"[\[\]{}]", " ", question).split())
            text = annotate_language(text) if intent == "set_language" else annotate_doc_types(text)
            by_intent.setdefault(intent, []).append(text)
    blocks = "".join(
        f"- intent: {intent}\n  examples: |\n" + "\n".join(f"    - {line}" for line in lines) + "\n"
        for intent, lines in by_intent.items()
    )
    (out_dir / "faq.yml").write_text(
        "# GENERATED by scripts/generate_nlu_data.py from the questions of kb/faq/*.yml - do not edit;\n"
        "# run the script again after changing the questions in kb/faq.\n"
        f'version: "3.1"\nnlu:\n{blocks}',
        encoding="utf-8",
    )
    print("faq: " + ", ".join(f"{intent} {len(lines)}" for intent, lines in by_intent.items()) + " examples")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (tests write to a temporary one)")
    main(parser.parse_args().out)
