"""Where a message goes once DIET and the FAQ retriever have spoken (pure: used by the Rasa component, the
actions and scripts/evaluate.py alike).

- The FAQ answers when DIET says `faq`, or when the retriever is confident and DIET's intent is one the FAQ may
  overrule (a fallback, out of scope, or a checklist topic without a known document — «витягли гаманець з
  айдішкою, куди бігти?» gets the police steps, not a form question).
- A checklist question that names the document (documents / fee / term / place) stays with the checklist engine.
- A question (or a story longer than any form answer) that DIET takes for a form answer goes to the FAQ.
- DIET's `faq` that no entry is sure of goes to tracking when the message holds a document number, and to DIET's
  runner-up checklist question when it names a document the likeliest entry is not about.
- DIET's `faq` that the retriever has not even a suggestion for gives way to DIET's runner-up («де мій паспорт?»:
  tracking), unless that is a fallback.
- An explicit «які документи…» question about a named document gets its checklist, not a specific FAQ entry (a
  yes/no question that names documents is not one);
  «…що робити?» asks for the steps, which the FAQ gives, whatever checklist question DIET heard.
- A short message naming a language («back to Ukrainian») switches the language; a short message that is only form
  values («вкрали», «мені 15») is a form answer when DIET is unsure of it.
- A checklist question with no word of what it asks for ("can my 9 year old son get an ID card" at
  ask_where_to_apply) goes to the FAQ when the retriever has a suggestion; so does a question DIET is unsure of
  (< 0.9), and «…що робити?» at any intent that acts (tracking without a number, help, contacts).
- A sure FAQ entry beats a general reply (the contacts, the menu) unless that entry is the general reply itself.
- Validity («на скільки років…») and "who…" questions are no checklist questions; a question DIET took for a yes or
  a no is not one either.
- A bare «паспорт» / "passport" in a checklist question (also «мій загублений паспорт») is not taken for the ID
  card: the document is dropped so the bot asks which one; a short request for one («нада паспорт зробить») starts
  the consultation, which asks.
- A short message that names a document and asks one checklist question outright («за який час видають посвідку
  на постійне») gets that checklist when no entry is sure, and replaces DIET's guess of another checklist question.
- Asking in words to be reminded of an expiry is the reminder, not tracking.
- «до скількох працює…» and «рнокпп це що» are questions too; «подати документи на…» asks for no list; Ukraine named
  as a place asks for no place; a word of tracking or DIET's sure `faq` question is no request for a passport.
- "turnaround time", «яка установа видає…» ask the term and the place outright; a document number beside an unsure
  checklist guess is tracking; a long unsure yes or no, and an unsure menu or contacts request, offer the entries.
- A conversation fragment no entry is sure of continues the conversation (`follow_up`): «а закордонний?» is a form
  answer (after a fee answer, the fee of that document), and so is «а терміново?» (the urgent fee and term);
  "what documents?" / «а де його зробити?» the question for the conversation's document.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

from textnorm.chars import fix_lookalikes
from textnorm.docnumbers import APPLICATION_NUMBER_RE

FAQ = "faq"
TRACK = "track_document"
INFORM = "inform"
SET_LANGUAGE = "set_language"
CHECKLIST_INTENTS = frozenset(
    {"ask_documents", "ask_fee", "ask_processing_time", "ask_where_to_apply", "start_consultation"}
)
# DIET intents the retriever may overrule when it is confident.
OVERRULABLE = frozenset({"nlu_fallback", "out_of_scope", FAQ}) | CHECKLIST_INTENTS
# A DIET intent at least this sure of itself is not overruled (greetings, tracking, ...); below it a sure FAQ
# answer wins, except over form answers and button-like replies. (0.6 was tried: «what does the status sent for
# personalization mean» at track_document 0.80 then asked for a document number instead of explaining the status.)
DIET_SURE = 0.9
NEVER_OVERRULED = frozenset(
    {INFORM, "affirm", "deny", "go_back", "start_over", "change_answer", SET_LANGUAGE, "EXTERNAL_status_changed"}
)
# Steps of the form. Unlike a form value, DIET's unsure guess of one gives way to a sure FAQ entry: «в паспорті
# помилка в прізвищі, як виправити» at change_answer 0.77 asks about the passport, not about an answer in the form.
NAVIGATION = frozenset({"go_back", "start_over", "change_answer"})
# Intents whose reply is general (all the contacts, the menu): a sure FAQ entry about something else says the specific
# thing asked («сайт черги видає помилку, куди дзвонити»: the e-queue's support, not the ministry's hotline).
GENERAL_REPLIES = frozenset({"contact_human", "help"})
# DIET's guesses for a conversation fragment that give way to what the fragment is (nlu.faq_decision.follow_up).
FRAGMENT_GUESSES = frozenset({FAQ, "nlu_fallback", "out_of_scope", "help", "goodbye", "greet", "thank"})
MAX_SUGGESTIONS = 3
MIN_SUGGESTION_SHARE = 0.5  # a suggestion scores at least half of the best one
# Checklist questions that may come with «did you mean» beside «which document?» (not «хочу паспорт»).
QUESTIONS = CHECKLIST_INTENTS - {"start_consultation"}
BARE_PASSPORT = re.compile(r"^(паспорт[а-яіїє]{0,3}|пасспорт[а-яіїє]{0,3}|passports?)$", re.IGNORECASE)
# Words beside «паспорт» that still do not say which one («мій загублений паспорт», "my lost passport").
NOT_A_KIND = re.compile(
    r"^(мій|моя|моє|мого|моєму|мою|мой|моего|моему|my|свій|свого|свою|свой|своего|ваш|вашого|your|цей|цього|этот|"
    r"this|the|a|новий|нового|новый|new|загублен\w*|згублен\w*|втрачен\w*|потерян\w*|потєрян\w*|утерян\w*|"
    r"утрачен\w*|lost|вкраден\w*|украден\w*|краден\w*|stolen|пошкоджен\w*|зіпсован\w*|поврежден\w*|испорчен\w*|"
    r"damaged|українськ\w*|украинск\w*|ukrainian|прострочен\w*|просрочен\w*|expired)$",
    re.IGNORECASE,
)
# A form answer is a statement («мені 15», «вкрали»); a message opening with one of these words is a question.
QUESTION_WORD = re.compile(
    r"^\W*(що|шо|як|де|чи|коли|скільки|навіщо|чому|куди|який|яка|які|яке|можна|треба|потрібно|"
    # «до скількох працює міграційна?», «з котрої приймають»: until / from what time
    r"(до|з|із|с|від|от) (скількох|скольки|котрої|которого|якої|какого)|"
    r"что|как|где|когда|сколько|зачем|почему|куда|какой|какая|какие|какое|можно|нужно|надо|"
    r"what|how|where|when|why|which|can|could|do|does|is|are|should|will|would|may|must|"
    # a request is a question too: «підкажіть…», «нагадай мені…», "tell me…"
    r"підкажи|підкажіть|підскажіть|скажи|скажіть|поясни|поясніть|нагадай|нагадайте|розкажи|розкажіть|"
    r"подскажи|подскажите|скажите|объясни|объясните|напомни|напомните|расскажи|расскажите|"
    r"tell|explain|remind|show)\b",
    re.IGNORECASE,
)
MIN_QUESTION_WORDS = 4
SMALL_TALK = frozenset({"greet", "thank", "goodbye"})
# «так, а коли буде готово?», "no, I meant the ID card": a message that opens with a yes or a no answers with it.
YES_OR_NO_FIRST = re.compile(
    r"^\W*(так|та|ага|угу|авжеж|звісно|да|ну да|конечно|ні|не|нє|нi|нет|неа|yes|yeah|yep|sure|ok|okay|no|nope)\b",
    re.IGNORECASE,
)
# Answers to the form's and the bot's questions: «мені 15», «так», «ні». None of those DIET learnt from is a question.
FORM_ANSWERS = frozenset({INFORM, "affirm", "deny"})
# Every form answer DIET learnt from has at most 7 words: a longer "answer" is a question or a story.
LONGEST_FORM_ANSWER = 7
# «які документи…», "what papers": the user asks for the list itself, which only the checklist engine gives precisely.
# A yes/no question that names documents («синові на першу айді потрібні документи обох батьків?») does not.
ASKS_FOR_DOCUMENTS = re.compile(
    r"((які|яки|що|шо|какие|каки|что|what|which)\b.{0,30}(документ|папер|бумаг|бумаж|papers|documents?|docs|need|нужн|"
    r"потрібн|треба|надо|нада|брат|взят|нест|\bbring)|перелік|список|\blist\b|checklist|requirements?|"
    # «подати документи на закордонний в консульстві» hands the documents in; it does not ask which ones
    r"(?<!подати )(?<!подать )(?<!здати )(?<!сдать )(?<!подавати )(?<!подавать )(?<!submit )(?<!send )"
    r"(документи (для|на)|документы (для|на)|documents (for|to)|papers (for|to)))",
    re.IGNORECASE,
)
# What each checklist question (and tracking) asks for. DIET hears «ask_where_to_apply» in "can my 9 year old son
# get an ID card" or "do ID cards expire for people over 70": a message with no word of the kind asks something
# else, which the FAQ answers (or offers), not the checklist.
INTENT_CUES = {
    "ask_documents": re.compile(
        r"(документ|докум|довідк|справк|перелік|список|папер|бумаг|бумаж|потр|треб|треа|нужн|надо|нада|необх|подава|подат|"
        r"принест|нест|брат|брать|взят|взять|готуват|оформ|зробит|отрима|сделат|получ|\bpapers\b|paperwork|\bdocu|"
        r"\bdocs\b|\bneed|\bbring|requir|prepar|checklist|\bsubmit|how (to|do i|can i) (get|apply|obtain|renew))",
        re.IGNORECASE,
    ),
    "ask_fee": re.compile(
        r"(кошт|стоит|стоїт|стиот|плат|плач|грн|гривн|гривен|грош|денег|деньг|деег|бабл|вартіст|стоимост|\bцін|\bцен|"
        r"держмит|пошлин|мито\b|збір|збор|сбор|сум|почем|по чому|берут|беруть|безкоштовн|бесплатн|дорог|дешев|"
        r"how much|\bcosts?\b|\bfees?\b|\bprice|\bpay|\bpaid|\bcharge|\bfree\b|\buah\b|money)",
        re.IGNORECASE,
    ),
    "ask_processing_time": re.compile(
        r"(час|днів|дней|дні\b|тижн|недел|місяц|месяц|чекат|чкат|ждат|довго|долго|швидк|быстр|скоро|термін|срочн|"
        r"коли|когда|через скільки|через сколько|робит|робл|делает|делают|делаетс|готов|виготов|изготов|строк|срок|"
        r"врем(я|ени|ені)\b|оформля|оформлю|розгляда|рассматр|видаю|выдают|"
        r"how long|how soon|how quick|how fast|\bdays?\b|\bweeks?\b|\bmonths?\b|\bwhen\b|\bwait|"
        r"\btakes?\b|processing|turnaround|urgent|fast|ready)",
        re.IGNORECASE,
    ),
    "ask_where_to_apply": re.compile(
        r"((^|\W)(де|куди|куда|где|where)(\W|$)|цнап|cnap|tsnap|консульст|посольст|consulat|embass|відділ|отдел|"
        r"офіс|офис|office|адрес|address|установ|орган\b|контор|сервіс|сервис|центр|center|centre|мвс|дмс|міграц|"
        r"миграц|документ»|прописк|реєстрац|регистрац|\bplace|\bbody\b|\bapply\b.{0,40}\b(in|at)\b|"
        r"\b(в|у) (якому|яке|який|яку|каком|какое|какой)\b|за кордон|за рубеж|abroad|outside)",
        re.IGNORECASE,
    ),
    # Tracking without a number: the message still speaks of a status, readiness, or "my" document.
    TRACK: re.compile(
        r"(статус|status|стаді|стади|етап|этап|готов|ready|(^|\W)(де|где) (мій|моя|мої|мой|мои|він|вона|он|она)\b|"
        r"where is|where's|номер|number|заявк|application|track|відстеж|отслеж|перевір|провер|check|забрат|забир|"
        r"collect|pick up|pickup|виготов|изготов|мій паспорт|моя айд|мой паспорт|my passport|my id|my document|"
        r"my permit|my card|прийш|пришл|надійш|sms|смс)",
        re.IGNORECASE,
    ),
}
# How long a document stays valid, and who does something, are questions no checklist answers (the FAQ does):
# «на скільки років роблять закордонний дитині», "who submits the application for a 12 year old".
NO_CHECKLIST_QUESTION = re.compile(
    r"на (скільки|скiльки|сколько|скока|скіки|скоко|скільки ж) (років|рокiв|рочків|лет|год)|на (який|какой) (термін|срок)|"
    r"до якого віку|до какого возраста|how many years|how long (is |are |will |does )?.{0,40}valid|validity|"
    r"(скільки|сколько|скіки|скока) (років |лет )?(діє|дійсн|действ)|"
    r"valid (for|until)|(^|\W)(хто|кто|who)(\W|$)|"
    # «за скільки до кінця строку можна міняти айдішку»: when to exchange before expiry, not how long it takes.
    r"(за|by) (скільки|сколько|how long) .{0,20}(до|before) (кінця|закінчення|конца|окончания|expir|the end)|"
    r"how (long|early|soon) before .{0,30}expir",
    re.IGNORECASE,
)
# The checklist question itself, asked in so many words: «за який час видають посвідку на постійне», «сколько
# стоит загранпаспорт», "permanent residence permit documents list", «де оформити айдішку». Narrower than INTENT_CUES:
# it decides where a message goes when no FAQ entry is sure, not whether a checklist guess makes sense.
PRECISE_QUESTIONS = {
    "ask_documents": ASKS_FOR_DOCUMENTS,
    "ask_fee": re.compile(
        r"(скільки|скiльки|сколько|скока|скіки|скіко|скоко|скок|почем|по чому|how much)\W+(\w+\W+){0,2}(кошту|коштує|стоит|стоїт|стоять|"
        r"платит|заплат|плачу|грн|гривен|грошей|денег|is|does|do|for|to pay|cost)|"
        r"(what|which) (is )?(the )?(price|fee|cost)|\b(price|fee|cost)s? (of|for)\b|вартість|стоимость|"
        # «посвідка на тимчасове терміново скіко буде»: "how much will it be", with no word of time after it
        r"(скільки|скiльки|сколько|скока|скіки|скіко|скоко|скок)\s+(це\s+|то\s+|воно\s+|оно\s+)?(буде|будет)\W*$|"
        r"how much (will|would) (it|this|that) be\W*$",
        re.IGNORECASE,
    ),
    "ask_processing_time": re.compile(
        r"(скільки|скiльки|сколько|скока|скіки|скіко|скоко|скок|за який|за яким|за какое|за скільки|за сколько|через скільки|через сколько|"
        r"how long|how many (days|weeks|months))\W+(\w+\W+){0,3}(час|врем|днів|дней|тижн|недел|місяц|месяц|чекат|ждат|"
        r"роблять|робиться|робитись|робитися|делают|делается|делаться|оформлю|оформля|розгляда|рассматр|видаю|выдают|виготов|изготов|"
        r"take|takes|make|making|wait|process|to get|до готов|until|till|ready)|"
        # "turnaround time for an ID card", "urgent ID card - how quick is it", "production time pls"
        r"turnaround|(processing|production|waiting|making) time|time (taken|it takes|needed) (for|to)|"
        r"how (quick|quickly|fast|soon)\b",
        re.IGNORECASE,
    ),
    "ask_where_to_apply": re.compile(
        r"(^|\W)(де|куди|где|куда|where)\W+(\w+\W+){0,4}(оформ|зроб|робл|роби|подат|подава|сдела|дела|получ|отрима|"
        r"зверт|обращ|звернут|обратит|вида|выда|apply|get|make|do|submit|issue)|"
        # «яка установа видає закордонні», «в каком учреждении делают айди», "which office issues"
        r"(як(а|ий|ій|ому|у)|как(ая|ой|ом|ое|ую)|which) (установ|орган|відділ|отдел|учрежден|заклад|office|authority|"
        r"agency)\w*\W+(\w+\W+){0,2}(оформ|зроб|робл|роби|сдела|дела|вида|выда|приймає|принима|issue|make|do)",
        re.IGNORECASE,
    ),
}


# A question of at most this many words that asks a checklist question is that question, not a story around it.
LONGEST_PLAIN_QUESTION = 12
# A message that no entry is sure of after the cap, longer or not, asks the checklist question only in these words
# (not «документи на…», "which … need", «на скільки», which a story about something else holds as well).
STORY_QUESTIONS = {
    "ask_documents": re.compile(
        r"(які|яки|какие|каки|what|which)\s+(саме\s+|именно\s+|ще\s+|еще\s+|are\s+(the\s+)?)?(документ|папер|бумаг|papers|"
        r"documents|docs)|^\W*(docs|documents|papers|документи|документы)\s+(for|на|для)\s|"
        r"(що|шо|что|чо|what)\s+(\w+\s+){0,3}(треба|потрібно|потрібн\w*|нужно|надо|нада|need|should|must|have)\s+"
        r"(\w+\s+){0,2}(взяти|брати|нести|принести|нест[иь]|взять|брать|with me|bring|take|prepare|carry|submit)|"
        r"перелік документ|список документ|list of (documents|papers|docs)|documents? list|checklist",
        re.IGNORECASE,
    ),
    "ask_fee": re.compile(
        r"(скільки|сколько|скіки|скока|скок|how much)\s+(\w+\s+){0,3}(кошту\w*|стоит|стоять|платит\w*|заплат\w*|cost\w*|"
        r"pay|is it|will it)|(what|which) (is )?(the )?(price|fee|cost)|(яка|какая|яку|какую) (\w+ )?(ціна|цена|вартість|стоимость)",
        re.IGNORECASE,
    ),
    "ask_processing_time": re.compile(
        r"(?<!на )(скільки|сколько|скіки|скока)\s+(\w+\s+){0,2}(часу|времени|днів|дней|тижнів|недель|"
        r"чекати|ждать|робиться|роблять|делается|делают|оформлю\w*|оформля\w*|виготовля\w*|изготавлива\w*)|"
        r"(за скільки|за сколько|за який час|за какое время|через скільки|через сколько)\s+(\w+\s+){0,2}"
        r"(днів|дней|часу|времени|роблять|робиться|делают|сделают|сделать|зроблять|зробити|оформ\w+|виготов\w+|"
        r"изготов\w+|буде|будет)|"
        r"how long\s+(does|will|do|would|to|until|till|is)|how (quick|quickly|fast|soon) (can|will|do|is)|"
        r"(processing|production|waiting) time",
        re.IGNORECASE,
    ),
    "ask_where_to_apply": re.compile(
        r"(^|\W)(де|куди|где|куда|where)\s+(\w+\s+){0,5}(можна |можно |can |could |should |do |to )?(\w+\s+){0,1}"
        r"(оформ\w+|зробити|робити|подати|подавати|сделать|делать|подать|поміняти|обміняти|поменять|обменять|renew|"
        r"replace|apply|submit|get (a |an |my |the |her |his )?(new )?"
        r"(id|passport|travel|trp|permit|residence|card|zagran))",
        re.IGNORECASE,
    ),
}
LONGEST_STORY_QUESTION = 25
# Greetings and courtesy words do not make a question a story: «добрий день, скажіть будь ласка, що потрібно…».
COURTESY = re.compile(
    r"(^|\W)(добр\w* (день|дня|вечір|вечора|ранок|ранку|утро|утра|вечер)|здравствуйте|здрасте|вітаю|привіт\w*|"
    r"привет\w*|hello|hi|hey|good (morning|afternoon|evening)|dear \w+|sir|madam|(під|по)?скаж\w*|подскаж\w*|"
    r"будь ласка|будь-ласка|пожалуйста|please|pls|plz|kindly|дякую|спасибо|thanks?( you)?)(?=\W|$)",
    re.IGNORECASE,
)


# What is asked for is another document, the permit named only its condition: citizenship «з внж», a visa, a stateless
# person's travel document, a work permit. The permit's checklist answers none of them; an entry (or its offer) does.
ANOTHER_DOCUMENT_ASKED = re.compile(
    r"громадянств|гражданств|citizenship|naturali[sz]|(^|\W)(віз[аиуіою]|виз[аыуеой]|visas?)(\W|$)|"
    r"(проїзн|проездн|travel)\w* (документ|document)|"
    r"(дозв[іо]л\w*|разрешени\w*) на (працевлаштуванн|роботу|работу|трудоустройств)|work permit",
    re.IGNORECASE,
)


def question_words(text: str) -> int:
    """The words of a message without its greetings and courtesy words."""
    return len(COURTESY.sub(" ", text).split())


# «нада паспорт зробить», «як отримати паспорт», "how to get passport": a short request for a passport that does not
# say which one. DIET hears help, out of scope or a fallback in some of them; it is the consultation, which asks which.
WANTS_A_DOCUMENT = re.compile(
    r"(зробит|зробить|оформит|оформить|отримат|получит|получать|сделат|сделать|виготов|потрібен|потрібно|треба|нада|"
    r"надо|нужен|нужно|хочу|\bneed|\bwant|\bmake|\bget|\bapply|\bobtain)",
    re.IGNORECASE,
)
LONGEST_PASSPORT_REQUEST = 6
# "I want a passport for travel abroad", «хочу оформити посвідку на постійне»: a wish that opens the message and names
# its document asks for the document (the consultation), not a question an entry answers.
OPENS_WITH_A_WISH = re.compile(
    r"^\W*(i['’]d like|((i|я)\s+)?(want|need|would like|хочу|хотів би|хотіла б|хотел бы|хотела бы|"
    r"(мені|мне)\s+(потрібен|потрібна|потрібно|треба|нужен|нужна|нужно|надо|нада)|потрібен|потрібна|нужен|нужна))\b",
    re.IGNORECASE,
)
LONGEST_DOCUMENT_REQUEST = 8
# «чоловік 40 років я в польщі хочу загран»: the wish comes after who and where, right before the document.
WISH_FOR_A_DOCUMENT = re.compile(
    r"(^|\W)(хочу|хотів би|хотіла б|хотел бы|хотела бы|want|need|would like|(мені|мне)\s+(потрібен|потрібна|треба|"
    r"нужен|нужна|надо|нада))\W+(\w+\W+){0,2}?(загран|закордон|айді|айди|ід|id\b|паспорт|пасспорт|посвідк|посвидк|"
    r"passport|residence|trp\b|zagran)",
    re.IGNORECASE,
)
# "I need to know…", «хочу дізнатися…»: a wish to know is a question.
WISH_TO_KNOW = re.compile(
    r"\b(know|find out|ask|check|знат|дізнат|узнат|спитат|спросит|уточнит|перевірит|проверит)", re.IGNORECASE
)
# "can you notify me when it's time to renew my passport", «нагадайте, коли спливе строк посвідки»: the reminder, not
# tracking (DIET hears «повідомте» as a status subscription).
ASKS_FOR_A_REMINDER = re.compile(
    r"(нагада|нагаду|напомн|напомин|попереди|попередь|предупреди|remind|notify me|alert me|let me know|warn me|"
    r"повідом(те|и) мене|сообщ(ите|и) мне)\w*\W+(\w+\W+){0,12}?(закінч|спли|строк|термін|срок|истека|истеч|оконч|"
    r"expir|run(s)? out|(about to|going to) end|time to (renew|replace|change|exchange)|need to (renew|replace)|"
    r"пора (міня|менять|продов|"
    r"продл|замін)|треба (буде )?(міня|замін|продов)|надо (будет )?(меня|продл))",
    re.IGNORECASE,
)
REMINDER = "set_expiry_reminder"
# «мої нагадування», "show my reminders": the list, which holds the reminders too.
MY_LIST = re.compile(r"(^|\W)(мо[їяє]|мои|мой|my|список|list|show|покаж\w*|які|какие|есть|є)(\W|$)", re.IGNORECASE)
CANCEL_WORD = re.compile(r"скасуй|отмени|прибер|убери|зніми|сними", re.IGNORECASE)
REMINDER_WORD = re.compile(r"нагадув|нагадат|нагадк|напоминан|напоминал|remind", re.IGNORECASE)
# The main menu's button titles (domain/common.yml utter_main_menu), typed instead of tapped: «Відстежити документ» was
# DIET `unsubscribe` 0.53 and "Track a document" `faq`. tests/nlu/test_menu_labels.py keeps this in step with the domain.
MENU_LABELS = {
    "консультація": "start_consultation",
    "відстежити документ": "track_document",
    "вартість і терміни": "ask_fee",
    "де оформити": "ask_where_to_apply",
    "зв'язатися з дмс": "contact_human",
    "consultation": "start_consultation",
    "track a document": "track_document",
    "fees and processing times": "ask_fee",
    "where to apply": "ask_where_to_apply",
    "contact the dms": "contact_human",
}
# «відстежити», "track", «хочу підписатися на відстеження документа»: a short request to follow a document (DIET hears
# `unsubscribe` or `my_subscriptions` in the shared words); «мої підписки» names the list, a stop word a cancellation.
ASKS_TO_TRACK = re.compile(r"відстеж|відслідк|відслєж|отслеж|отслед|отслєж|(^|\W)track", re.IGNORECASE)
LONGEST_TRACK_REQUEST = 6
LISTS_SUBSCRIPTIONS = re.compile(
    r"підписк|подписк|subscriptions|відстежую|отслеживаю|(^|\W)(list|список|що я|что я|am i)(\W|$)", re.IGNORECASE
)
# «Документи прийнято 12.11.2026. Здійснюється перевірка даних»: a status text pasted with its date; the date is no
# expiry to be reminded of (DIET: the reminder 0.95), the status is what is asked about.
QUOTES_A_STATUS = re.compile(
    r"прийнят|принят|перевірк\w* даних|проверк\w* данных|персоналіз|персонализ|доставлен|виготовлен|изготовлен|"
    r"відправлен|отправлен|надано|предоставлен|не знайдено|не найден",
    re.IGNORECASE,
)


# «стоп», "cancel", «вихід» alone: leave what is going on (DIET took «стоп» for a greeting at 0.66). Forms end on a
# goodbye; a no («не треба») stays a no, which answers a yes/no question.
STOP_ALONE = re.compile(
    r"^\W*(стоп|stop|cancel|скасувати|скасуй|відміна|відмінити|отмена|отменить|отмени|вихід|выход|exit|quit|хватит|"
    r"досить|годі|припини|прекрати)(\s+(будь ласка|пожалуйста|please))?\W*$",
    re.IGNORECASE,
)


# «ой а можна спочатку питання, скільки чекати»: «спочатку» is "first" here, not "start over" (DIET: start_over),
# and the form's answers must not be wiped. A restart says so in a word of starting or «заново».
RESTART_WORDS = re.compile(
    r"(^|\W)(почн|почат|почина|начн|начат|начина|start|restart|reset|скин|сброс|очист|clear)|заново|з нуля|с нуля|"
    r"все спочатку|всё сначала|все сначала",
    re.IGNORECASE,
)
ASKS_SOMETHING = re.compile(
    r"(^|\W)(скільки|сколько|як|как|де|где|коли|когда|чи|що|шо|что|чому|почему|how|what|when|where|which|why|"
    r"питання|вопрос|question)(\W|$)",
    re.IGNORECASE,
)
LONGEST_RESTART = 4


# The subscription offer's buttons typed as text (some keyboards send a button's title): the same answer to the offer
# as the press (`/affirm{"document_number":"offer"}`), which data/rules/tracking.yml takes at any later turn too.
OFFER_LABELS = {
    "так підписатися": "affirm",
    "yes subscribe": "affirm",
    "ні дякую": "deny",
    "no thanks": "deny",
}
OFFER = "offer"  # actions/tracking.py OFFER_BUTTON: the entity value the offer's buttons carry


def typed_offer_label(text: str) -> Optional[str]:
    """affirm / deny for the subscription offer's button title typed as the whole message, else None."""
    return OFFER_LABELS.get(" ".join(re.sub(r"[^\w\s]", " ", text.lower()).split()))


def typed_menu_label(text: str) -> Optional[str]:
    """The intent of a main-menu button whose title is the whole message, else None."""
    plain = re.sub(r"[’ʼ`´]", "'", text.strip().lower())
    return MENU_LABELS.get(re.sub(r"[\s.!]+$", "", plain))


# A place named in the message («в Польщі», "in Kyiv") is a cue of a place question too.
PLACE_ENTITIES = frozenset({"location", "passport_issued_in"})
# «вкрали закордонний в Італії, що робити»: the steps are asked for, which an FAQ entry gives, not a checklist.
# Surzhyk too: «шо робить?», «шо мені тепер дєлать».
ASKS_WHAT_TO_DO = re.compile(
    r"(що|шо) (мені |мне |тепер |теперь |же )?(робити|робить|роблять|делать|дєлать)|что (мне |теперь )?делать|"
    r"what (should|do|can) i do|what to do|"
    r"що далі|what now",
    re.IGNORECASE,
)
# «я загубив закордонний… не знаю з чого почати», «витягли гаманець з айдішкою, куди бігти?»: what to do about a named
# document (without one, «не знаю з чого почати» asks for the consultation).
WHERE_TO_BEGIN = re.compile(
    r"(з|с|із) чого (почати|починати|начать|начинать)|where (do i |to )start|куди бігти|куда бежать", re.IGNORECASE
)
# Asking to be walked through one's own paperwork is the consultation: «розпиши по пунктах, що мені робити», «проведи
# мене по кроках», "give me a to-do list for my paperwork", "help me figure out what I need to do".
GUIDE_ME = re.compile(
    r"(по|за) (пунктах|пунктам|кроках|крокам|шагам|шагах|поличках|полочкам)|(крок|шаг) за (кроком|шагом)|"
    r"step[- ]by[- ]step|to-?do list|walk me through|guide me|"
    r"(прове\w*|проведи\w*) (мене |меня )?(по|через)|"
    r"(склад\w*|состав\w*|зроби\w*|сделай\w*) (мені |мне )?(список|перелік|план)\W+(\w+\W+){0,2}(оформ\w*|роби\w*|дела\w*)|"
    r"figure out what (i|we) (need|have|should)",
    re.IGNORECASE,
)
LONGEST_GUIDE_ME = 25
ASKS_HOW = re.compile(r"(^|\W)(як|как|how)(\W|$)", re.IGNORECASE)
# «статус "дозвіл на персоналізацію" що це значить»: an explanation is asked for, which an FAQ entry gives.
ASKS_WHAT_IT_MEANS = re.compile(
    r"(що|шо) (це |то |він |вона )?(значить|означає)|что (это |он |она )?(значит|означает)|"
    r"what (does|do) .{0,60}\bmean|what is the meaning|meaning of|що за статус|что за статус",
    re.IGNORECASE,
)
# «что такое УНЗР» (at affirm 0.77): asking what something is, in however few words, is never a form answer.
DEFINITION_QUESTION = re.compile(
    r"^\W*((що|шо) таке|что такое|what('s| is| are)\b)|"
    # «рнокпп це що», «УНЗР що це?», «а це що таке»: the thing first, the question after it
    r"\b(це|то|это) (що|шо|что)( таке| такое)?\W*$|\b(що|шо|что) (це|то|это)( таке| такое)?\W*$",
    re.IGNORECASE,
)
# «200» in the form's age question: a number of one to three digits is a form value, never a document to track.
DIGITS_ONLY = re.compile(r"^\s*[№#]?\s*\d[\d \-]{2,}\d\s*$")
BARE_NUMBER = re.compile(r"^\s*[-−]?\d{1,3}\s*$")
# «back to Ukrainian», «англійською будь ласка»: a request to switch is short.
LONGEST_LANGUAGE_SWITCH = 5
# "need to know ukrainian language?", «треба знати українську для громадянства?»: a question about knowing a language
# (an exam, a level), not a request to switch; "I don't know Ukrainian" still asks for English.
KNOWING_A_LANGUAGE = re.compile(
    r"(^|\W)(know|knowledge|learn|exam|test|level|certificate|fluent)|знат|знан|вивч|выуч|іспит|экзамен|екзамен|"
    r"рів(ень|ня)|уровень|уровня|сертифікат|сертификат",
    re.IGNORECASE,
)
NOT_KNOWING = re.compile(
    r"(don'?t|do not|doesn'?t|не) (know|speak|understand|знаю|знаємо|розумію|понимаю)", re.IGNORECASE
)
# «вкрали», «мені 15», «в Польщі»: a form answer is a value or two.
LONGEST_BARE_VALUE = 3
# DIET's runner-up behind a saturated `faq` guess is weak evidence: it may answer or inform, never act on the form
# or the user's data (a wrong «назад» or «видалити мої дані» costs more than a «did you mean»).
NOT_A_RUNNER_UP = frozenset({FAQ, "nlu_fallback", "delete_my_data", "unsubscribe"}) | NEVER_OVERRULED


# Follow-ups in a conversation are fragments: «а закордонний?», "and for an ID card?", "what documents?", "how much?".
LONGEST_FOLLOW_UP = 7
# Words around a document named as a follow-up: «а для айді?», "what about the foreign passport?".
FOLLOW_UP_FILLER = frozenset(
    "а і й и та ну так тоді тогда теж також тоже ще еще ещё для на про щодо стосовно насчет насчёт по як как "
    "що шо что з із с and or also too then what about how for the a an my of with in".split()
)
# Words a question fragment may hold besides the question: «а де його зробити?», "what do I need then?".
FRAGMENT_WORDS = frozenset(
    "його її їх его ее её их це то это it this that them потрібні потрібно треба нужно нужны надо нада need i we do "
    "does is are will be буде будет мені мне me there там тут here собою собой себе".split()
)
# One- or two-word questions after a checklist answer: «а скільки?», «а по врємєні?», "where?".
FOLLOW_UP_QUESTIONS = {
    "ask_fee": re.compile(
        r"^\W*((and|а|і|и) )?(the )?(price|cost|fee|how much|скільки|сколько|скіко|скіки|скока|ціна|цена|вартість|стоимость)\W*$",
        re.IGNORECASE,
    ),
    "ask_processing_time": re.compile(
        r"^\W*((and|а|і|и) )?(how long|how fast|how quickly|the term|терміни|строки|сроки|як довго|как долго|"
        r"по часу|по вр[еє]м[еє]н[иі]|по срокам|по строках)\W*$",
        re.IGNORECASE,
    ),
    "ask_where_to_apply": re.compile(r"^\W*((and|а|і|и) )?(where|де|где|куди|куда)\W*$", re.IGNORECASE),
}


# «де мій паспорт», "where is my residence permit": where the user's own document is, not where to apply.
WHERE_IS_MY_DOCUMENT = re.compile(
    r"^\W*((а|и|і|and|so) )?(де|где|where|where's)( is| are)? (мій|моя|моє|мої|мой|моё|мои|my|наш\w*|our)( \w+)? "
    r"(паспорт|пасспорт|айд|id\b|карт|посвідк|посвидк|документ|закордон|загран|permit|card|passport|document|trp\b)",
    re.IGNORECASE,
)
LONGEST_WHERE_IS_MY = 6
# ... or longer when it says the document was applied for («де мій паспорт?? подавала 3 тижні тому і тиша»), not lost.
APPLIED = re.compile(r"(^|\W)(подав\w*|подал\w*|здав\w*|сдав\w*|сдал\w*|applied|submitted)(\W|$)", re.IGNORECASE)
LONGEST_WHERE_IS_MY_APPLIED = 12
# «чи готова вже моя айді картка», «проверить готовность загранпаспорта», "check my passport application status": the
# user's own document, not how checking works («як перевірити, чи готовий паспорт» is an FAQ entry).
ASKS_IF_READY = re.compile(
    r"(^|\W)(чи|ли|is|are)\W+(\w+\W+){0,3}(готов\w*|ready)|готов\w* (ли|чи)\b|готовн\w*|"
    # "any news on my posvidka?", «є якісь новини по моїй айдішці?»
    r"\bany (news|updates?)\b|(є|есть) (якісь |какие )?(новини|новости)|"
    r"(перевір\w*|провер\w*|check\w*|глян\w*|подив\w*|посмотр\w*)\W+(\w+\W+){0,3}(статус\w*|status|готов\w*|ready)",
    re.IGNORECASE,
)
HOW_TO = re.compile(
    r"(^|\W)(як|как|how|можна|можно|можу|могу|can i|where|де|где|куди|куда|що|что|what)(\W|$)", re.IGNORECASE
)
OWN_DOCUMENT = re.compile(
    r"(^|\W)(мій|моя|моє|мої|моїй|моєї|моєму|мой|моё|мои|моей|моего|моему|my|наш\w*|our|свій|своя|свой|свою)(\W|$)",
    re.IGNORECASE,
)
LONGEST_IF_READY = 10
# «коли буде готовий мій паспорт, я подавав 2 тижні тому»: the user's own document once it says it was applied for;
# "when will my ID card be ready" alone asks the processing time (data/nlu).
ASKS_WHEN_READY = re.compile(r"(^|\W)(коли|когда|when)\W+(\w+\W+){0,5}(готов\w*|ready)", re.IGNORECASE)
MEANS = re.compile(r"означа\w*|значит\w*|\bmeans?\b|meaning", re.IGNORECASE)
# A yes-or-no question of whether something may be done, or whether what one heard is true («можна за один раз?»,
# "can I…", «це правда?»); not «де можна…», "where / how fast can I…", which ask for a place or a term.
ASKS_IF_ALLOWED = re.compile(
    r"(^|\W)(?<!де )(?<!где )(?<!where )(?<!fast )(?<!soon )(можна|можно|can i|can we|can he|can she|is it possible)(\W|$)",
    re.IGNORECASE,
)
ASKS_IF_TRUE = re.compile(r"(^|\W)(правда|true)(\W|$)", re.IGNORECASE)
# A word of what «my subscriptions» lists: DIET heard it in «подавала на загран в мариуполе… что с моим заявлением».
SUBSCRIPTION_WORDS = re.compile(
    r"підпис|подпис|відстеж|відслідк|відслєж|отслеж|отслєж|стеж|слеж|моніто|монито|subscri|track|follow|watch|notif|"
    r"update|сповіщ|уведом|увєдом|розсил|рассыл|повідомл|сообщен|alert|додав|добав|список|списку|list",
    re.IGNORECASE,
)
# After «подавала…»: the document has not come, or what its status is now («а його все нема», «где он», «какой у нее
# сейчас статус», "what's its status now").
STILL_NOT_THERE = re.compile(
    r"(все|всё|досі|ще|еще|still)\s+(нет|нема\w*|немає|не\s+(готов\w*|прийш\w*|пришел|пришла|приш\w*))|"
    r"(^|\W)(де|где|where)\s+(він|вона|воно|он|она|оно|is it)(\W|$)|"
    r"(який|яка|яке|какой|какая|какое|what'?s|what is)\s+(\w+\s+){0,3}(статус|status)",
    re.IGNORECASE,
)
# «чи прийде сповіщення в дію, коли паспорт буде готовий», «як перевірити на сайті, чи готовий мій паспорт» (DIET:
# tracking 0.97): how Дія or the DMS site tell it, which an entry answers; the bot's own tracking is offered there.
ABOUT_CHECKING_ELSEWHERE = re.compile(
    r"(^|\W)(ді[яїюєі]|дия|дии|дию|diia|diya|сайт\w*|site|website|онлайн|online)(\W|$)|^\W*(як|как|how)\W",
    re.IGNORECASE,
)
# «а що ви вмієте?», "what can you do": the menu (DIET: faq 0.78 = help 0.78, and «did you mean» a walk-in entry).
ASKS_WHAT_YOU_CAN_DO = re.compile(
    r"(що|шо|что|чо|чим) (ти|ви|вы) (вмієш|вмієте|можеш|можете|умеешь|умеете|можешь|можете|допоможеш|допоможете|"
    r"поможешь|поможете)|what (can|do) (you|u) (do|help)|how can (you|u) help",
    re.IGNORECASE,
)
LONGEST_WHAT_YOU_CAN_DO = 6
# "what kind of stuff can I ask?", «як працює цей бот»: the menu too, in up to twelve words.
ASKS_HOW_THE_BOT_WORKS = re.compile(
    r"what (kind of |sort of )?(questions|stuff|things) (can|could|may) (i|we) ask|how (does|do) (this|the|you) "
    r"(bot|chat|thing)? ?work|(що|шо|что|о чем|про що) (можна|можно|я можу|я могу) (тебе |вас |вам |тобі )?"
    r"(запитати|спитати|спросить|питати)|як працює (цей |ваш )?бот|как работает (этот |ваш )?бот",
    re.IGNORECASE,
)
LONGEST_HOW_THE_BOT_WORKS = 12
# "please delete all my data, i dont want you to store my passport number" (DIET: faq 0.74, the privacy entry sure):
# a message that opens by asking for the deletion is the request itself, not the question how to ask for it.
DELETE_REQUEST = re.compile(
    r"^\W*((please|pls|kindly|будь ласка|будь-ласка|пожалуйста|прошу)\W+)?(delete|erase|remove|wipe|forget|"
    r"видаліть|видали|видалить|зітріть|зітри|знищіть|забудьте|забудь|удалите|удали|сотрите|сотри)\W+(\w+\W+){0,2}"
    # what is to go: "forget it, how much is…" is no such request
    r"(my|me|all|everything|мої|мене|мій|мою|усі|усе|всі|все|мои|меня|мой|дані|данные|інформаці\w*|информаци\w*|"
    r"data|info|history|історі\w*|истори\w*)\b",
    re.IGNORECASE,
)
# "can you let me know when my residence permit is ready", «повідомте мені, коли буде готовий»: the bot's own
# tracking, asked of the bot (not "will they notify me…", which an entry answers).
NOTIFY_ME = re.compile(
    r"(^|[,.!?;:]\s*|\b(can|could|would|will) (you|u) |\bplease |\bpls |\band |\bjust )"
    r"(let me know|notify me|ping me|message me|text me|tell me|update me|keep me (posted|updated))\b.{0,60}"
    r"\b(ready|done|changes?|status|progress|issued)|"
    r"(повідом\w*|сповіст\w*|напиш\w*|сообщ\w*|уведом\w*|дай\w* (знати|знать))\s+(мені|мене|мне|нам)\b.{0,60}"
    r"(готов|статус|змін|измен|видадуть|выдадут)",
    re.IGNORECASE,
)
# "follow my international passport application", «відстежуй мою айдішку»: tracking asked of the bot.
FOLLOW_MY = re.compile(
    r"(^|\W)(follow|track|watch|monitor|відстеж\w*|відслідк\w*|слідкуй\w*|отслеж\w*|следи\w*)\s+(\w+\s+){0,2}"
    r"(my|мій|мою|моє|мої|мой|мою|моё|мои|our|наш\w*)\b",
    re.IGNORECASE,
)
# «підпишіть мене на сповіщення» is one letter from «відпишіть мене»: DIET heard unsubscribe at 0.67. A word of
# subscribing with none of stopping asks for the status messages (tracking).
SUBSCRIBE_ME = re.compile(
    r"(^|\W)(підпиш\w*|підписат\w*|подпиш\w*|подписат\w*|subscribe|sign me up|sign up)(\W|$)", re.IGNORECASE
)
STOP_WORDS = re.compile(
    r"відпис|отпис|unsubscri|скасув|отмен|вимкн|выключ|turn off|switch off|\bstop|стоп|\bне (хочу|треба|надо|нужно|"
    r"надсила|присила|присыла|шліть|шлите)|більше не|больше не|no more|don'?t|do not|cancel|remove|убер|прибер|"
    r"видал|удал|delete",
    re.IGNORECASE,
)
# «не хочу більше отримувати повідомлення», "no more messages about zagran": stop the status messages.
STOP_MESSAGES = re.compile(
    r"no more (messages|notifications|updates|alerts)|(don'?t|do not|dont) (want|need) (to (get|receive) )?(any )?"
    r"(more )?(messages|notifications|updates|alerts)|stop (sending|the|these|all|your)? ?(messages|notifications|"
    r"updates|alerts)|(не хочу|не треба|не надо|не нужно) (більше |больше )?(отримувати |получать )?"
    r"(повідомлен|сповіщен|сообщен|уведомлен)|(більше не|больше не) (надсила|присила|пиш|присыла|отправля)",
    re.IGNORECASE,
)


# Urgency named alone after a fee or term answer: «а терміново?», «а звичайний?», "and urgently?".
URGENCY_WORDS = {
    "urgent": re.compile(
        r"^(терміно?в\w*|срочн\w*|швидк\w*|швидше|быстр\w*|побыстрее|експрес\w*|экспресс?\w*|urgent\w*|express|"
        r"fast\w*|quick\w*|asap)$"
    ),
    "standard": re.compile(r"^(звичайн\w*|обычн\w*|стандартн\w*|standard|normal\w*|regular\w*|usual\w*)$"),
}
URGENCY_NEGATIONS = frozenset("не not no".split())
# Words an urgency fragment may hold besides the urgency: «а якщо терміново, скільки буде?», «в звичайному порядку».
URGENCY_FRAGMENT_WORDS = frozenset(
    "якщо если if в у порядку порядке режимі режиме оформлення оформление оформленні processing service варіант "
    "вариант option way one можна можно реально possible can get зробити сделать оформити оформить do make "
    "скільки сколько скіко ціна цена коштує стоит стоить cost costs much price буде будет will be it is це это".split()
)
# «а не терміново?»: a negated urgency is the standard one.
URGENCY_NEGATED = {"urgent": "standard"}


# A residence permit named by its kind alone after an answer about the other one: «а на тимчасове?», "and the
# temporary one?" (the tagger knows «посвідка на тимчасове», not the adjective alone).
RESIDENCE_PERMIT_WORDS = {
    "temporary_residence_permit": re.compile(r"^(тимчасов\w*|временн\w*|temporary)$"),
    "permanent_residence_permit": re.compile(r"^(постійн\w*|постоянн\w*|permanent)$"),
}
RESIDENCE_FRAGMENT_WORDS = frozenset("one посвідка посвідку посвідки посвидка посвидку вид permit residence".split())


# An age named alone after an answer: «а якщо мені 16?», «а дитині 10 років?», "and for a 5 year old?".
AGE_FRAGMENT_WORDS = frozenset(
    "якщо если if мені мне me дитині дитини дитина ребенку ребенка ребенок child kid son daughter сину синові сина "
    "доньці доньки дочці дочке дочери дочки онуку внуку років року рік роки рочків лет года год year years old yo "
    "i i'm am is he she it's він вона йому їй him her буде будет will be".split()
)

# «а для дитини?», "and for my son?": a child named without an age (the dialogue asks the age, then answers again).
CHILD_WORDS = frozenset(
    "дитини дитині дитина дитину дітей дітям малого малюка сина синові сину доньки доньці дочки дочці донечки "
    "онука онуці онуку внука внучки внуку ребенка ребенку ребенок детей детям дочке дочери дочь сыну сына "
    "child children kid kids son daughter grandson granddaughter baby".split()
)
# «а для мого сина?»: "my" beside the child (FOLLOW_UP_FILLER has the English one).
CHILD_FRAGMENT_WORDS = CHILD_WORDS | frozenset("мого моєї моїй моему моей".split())


# A reaction sent as a message: «👍» after an answer is an «ок», «🙏» a thanks (DIET hears out_of_scope 1.0).
REACTIONS = {"affirm": frozenset("👍👌✅🆗"), "thank": frozenset("🙏❤💙💛🥰🤝🌹😊")}
# Marks that only dress an emoji: the variation selector, the joiner, skin tones.
EMOJI_MARKS = frozenset("\ufe0f\u200d") | frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))


# «їдемо за кордон», «паспорт для поїздки за кордон»: a direction, not where the person or the passport is (that is
# «за кордоном»). After a verb in the past («виїхали за кордон») the person is abroad now.
DIRECTION_ABROAD = re.compile(r"(^|\W)за\s+(кордон|границу|границю|рубіж|рубеж)(?!\w)", re.IGNORECASE)
PAST_VERB = re.compile(r"\w+(в|ла|ли|ло|л)$", re.IGNORECASE)


def goes_abroad(text: str, start: int = 0, end: Optional[int] = None) -> bool:
    """Whether the text names a trip abroad («за кордон» after anything but a past verb). With `end`, the span
    text[start:end] (an entity) must be the direction itself."""
    span = text[start:end]
    match = DIRECTION_ABROAD.search(span)
    if match is None or (end is not None and span.strip() != match.group(0).strip()):
        return False
    before = text[: start + match.start()].split()
    return not (before and PAST_VERB.match(before[-1].strip(",.!?")))


def reaction(text: str) -> Optional[str]:
    """The intent of a message made of reaction emoji only (punctuation aside), else None."""
    signs = {c for c in text if not c.isspace() and c not in EMOJI_MARKS and c not in "!.,)"}
    return next((intent for intent, emoji in REACTIONS.items() if signs and signs <= emoji), None)


def asks_after_my_document(entities: List[Dict[str, Any]], text: str) -> bool:
    """Where the user's own document is («де мій паспорт», or longer when they say they applied) or whether it is
    ready («чи готова моя айді картка»), as opposed to how checking works."""
    words = len(text.split())
    if WHERE_IS_MY_DOCUMENT.search(_without_lookalikes(text)):
        return words <= LONGEST_WHERE_IS_MY or (words <= LONGEST_WHERE_IS_MY_APPLIED and bool(APPLIED.search(text)))
    names_it = any(e.get("entity") == "doc_type" for e in entities) or OWN_DOCUMENT.search(text)
    applied = APPLIED.search(text)
    longest = LONGEST_WHERE_IS_MY_APPLIED if applied else LONGEST_IF_READY
    if applied and names_it and words <= longest and STILL_NOT_THERE.search(text) and not MEANS.search(text):
        return True  # «я подавала на загран месяц назад а его все нет где он»
    if words <= longest and ASKS_WHEN_READY.search(text) and applied:
        return not HOW_TO.search(text)
    return bool(words <= longest and names_it and ASKS_IF_READY.search(text) and not HOW_TO.search(text))


def _named_alone(
    text: str,
    entity: str,
    patterns: Dict[str, "re.Pattern[str]"],
    allowed: frozenset,
    negations: frozenset = frozenset(),
    negated: Optional[Dict[str, str]] = None,
) -> Optional[Dict[str, Any]]:
    """The one value of `entity` a fragment names, with nothing else but filler and `allowed` words, as an entity
    (`negated` maps a value after one of the `negations` to the value meant)."""
    found: List[Dict[str, Any]] = []
    previous = ""
    words = list(re.finditer(r"[\w'’-]+", text))
    if not words or len(words) > LONGEST_FOLLOW_UP:
        return None
    for match in words:
        word = match.group(0).lower()
        value = next((v for v, pattern in patterns.items() if pattern.match(word)), None)
        if value:
            value = (negated or {}).get(value, value) if previous in negations else value
            found.append({"entity": entity, "value": value, "start": match.start(), "end": match.end()})
        elif not (word in FOLLOW_UP_FILLER or word in allowed or word in negations):
            return None
        previous = word
    return found[0] if len({e["value"] for e in found}) == 1 else None


def named_urgency(text: str) -> Optional[Dict[str, Any]]:
    """An urgency entity for a fragment that names one urgency and nothing else («а терміново?», «а не срочно?»,
    "and the standard one?"), or None. The tagger misses it there: it tags urgency in form answers and questions."""
    return _named_alone(text, "urgency", URGENCY_WORDS, URGENCY_FRAGMENT_WORDS, URGENCY_NEGATIONS, URGENCY_NEGATED)


def named_age(entities: List[Dict[str, Any]], text: str) -> bool:
    """«а якщо мені 16?», "and for a 5 year old?": an age and nothing else but filler (the fee or term answer comes
    again for that age)."""
    ages = [e for e in entities if e.get("entity") == "age" and _surface(e, text)]
    if not ages or len(text.split()) > LONGEST_FOLLOW_UP:
        return False
    rest = text
    for e in ages:
        rest = rest.replace(_surface(e, text), " ")
    words = re.findall(r"[\w'’-]+", rest.lower())
    return all(w in FOLLOW_UP_FILLER or w in AGE_FRAGMENT_WORDS or w.isdigit() for w in words)


def named_child(entities: List[Dict[str, Any]], text: str) -> bool:
    """«а для дитини?», "what about for my kid?": a child and nothing else but filler, no age (see named_age)."""
    if any(e.get("entity") == "age" for e in entities) or len(text.split()) > LONGEST_FOLLOW_UP:
        return False
    words = re.findall(r"[\w'’-]+", text.lower())
    return any(w in CHILD_WORDS for w in words) and all(
        w in CHILD_FRAGMENT_WORDS or w in FOLLOW_UP_FILLER for w in words
    )


# «а якщо ми за кордоном?», «а в польщі?», "and if we are abroad?": where the person is, named alone after a fee,
# term or place answer (the answer comes again for that place). The tagger and the gazetteer miss it in a fragment.
PLACE_WORDS = {
    "abroad": re.compile(
        r"(кордон|границ|abroad|overseas|польщ|польш|poland|німеччин|германи|germany|чехі|чехи|czech|італі|итали|"
        r"italy|іспані|испани|spain|австрі|австри|austria|литв|lithuania|румуні|румыни|romania|молдов|moldova|канад|"
        r"canada|сша|usa|америк|америц|британі|британи|англі|англи|england|britain|франці|франци|france|нідерланд|"
        r"нидерланд|голланд|netherlands|бельгі|бельги|belgium|швеці|швеци|sweden|норвегі|норвеги|norway|фінлянд|"
        r"финлянд|finland|ірланд|ирланд|ireland|португалі|португали|portugal|туреччин|турци|turkey|грузі|грузи|"
        r"georgia|ізраїл|израил|israel|латві|латви|latvia|естоні|эстони|estonia|угорщин|венгри|hungary|болгарі|"
        r"болгари|bulgaria|швейцарі|швейцари|switzerland|словаччин|словаки|slovakia|варшав|warsaw|краков|краків|"
        r"krakow|вроцлав|wroclaw|берлін|берлин|berlin|праг|празі|prague|відн|вене|vienna|мюнхен|munich|лондон|"
        r"london|париж|paris)\w*$",
        re.IGNORECASE,
    ),
    "ukraine": re.compile(r"(україн|украин|ukraine)\w*$", re.IGNORECASE),
}
PLACE_FRAGMENT_WORDS = frozenset(
    "за ми мы we are am if якщо если коли когда живемо живем живу живём живе live living lived там тут зараз сейчас "
    "now перебуваємо находимся будемо будем вже уже already в у in at to опинились виїхали уехали moved".split()
)


def named_place(text: str) -> Optional[Dict[str, Any]]:
    """A location entity for a fragment that names where the person is and nothing else («а якщо ми за кордоном?»)."""
    return _named_alone(text, "location", PLACE_WORDS, PLACE_FRAGMENT_WORDS)


def named_residence_permit(text: str) -> Optional[Dict[str, Any]]:
    """A doc_type entity for «а на тимчасове?», "and the permanent one?" (a residence permit by its kind alone)."""
    return _named_alone(text, "doc_type", RESIDENCE_PERMIT_WORDS, RESIDENCE_FRAGMENT_WORDS)


def follow_up(entities: List[Dict[str, Any]], text: str) -> Optional[str]:
    """A conversation fragment and what it is: INFORM for a document named alone («а закордонний?», "and for an ID
    card?"; the dialogue repeats the last fee, term or place answer for it), a checklist intent for a question
    without a document ("what documents?", «а де його зробити?»; the answer uses the document of the conversation or
    asks which one), or None."""
    if len(text.split()) > LONGEST_FOLLOW_UP or any(e.get("entity") == "document_number" for e in entities):
        return None
    documents = [e for e in entities if e.get("entity") == "doc_type"]
    if documents and not bare_passport(entities, text):
        rest = _without_documents(entities, text)
        words = re.findall(r"[\w'’-]+", rest.lower())
        # «а закордонний?», «а терміново на закордонний?»
        if all(w in FOLLOW_UP_FILLER for w in words):
            return INFORM
        # «а терміново на закордонний?» continues the last answer; «сколько стоит срочный загран???» asks outright.
        return (precise_checklist_question(text) or INFORM) if named_urgency(rest) else None
    # No document, or a bare «паспорт» (the checklist then asks which one): a question in so many words and nothing
    # else. Another word may name what the tagger missed («за який час видають посвідку на постійне») or something
    # else («скільки коштує бензин»): DIET and the FAQ decide.
    for intent, pattern in FOLLOW_UP_QUESTIONS.items():
        if pattern.match(text):
            return intent
    if (
        named_urgency(text)
        or named_residence_permit(text)
        or named_place(text)
        or named_age(entities, text)
        or named_child(entities, text)
    ):
        # After a fee or term answer, that answer again for this urgency, permit or age (data/rules/facts.yml); a
        # child without an age gets the age asked first (actions/facts.py).
        return INFORM
    intent = precise_checklist_question(text)
    if intent is None:
        return None
    # Nothing but the question: «скільки коштує бензин», «де оформити пільги» ask about something else. Searched in
    # the text precise_checklist_question read («які дokументи?» has Latin letters).
    plain = _without_lookalikes(text)
    match = PRECISE_QUESTIONS[intent].search(plain)
    end = match.end() + len(re.match(r"[\w'’-]*", plain[match.end() :]).group(0))  # the rest of the last word
    rest = re.findall(r"[\w'’-]+", (plain[: match.start()] + " " + plain[end:]).lower())
    # A bare «паспорт» may stay: "what do I need for a passport?" then gets «which passport?».
    return intent if all(w in FOLLOW_UP_FILLER or w in FRAGMENT_WORDS or BARE_PASSPORT.match(w) for w in rest) else None


def _without_documents(entities: List[Dict[str, Any]], text: str) -> str:
    """The text with the documents' words blanked out (same length, so positions still hold)."""
    for e in entities:
        surface = _surface(e, text) if e.get("entity") == "doc_type" else ""
        text = text.replace(surface, " " * len(surface)) if surface else text
    return text


def fragment_entities(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """What a fragment names that the tagger left untagged: an urgency beside at most its document («а терміново на
    закордонний?») and a residence permit by its kind alone («а на тимчасове?»)."""
    kinds = {e.get("entity") for e in entities}
    found = [
        named_urgency(_without_documents(entities, text)) if "urgency" not in kinds else None,
        named_residence_permit(text) if "doc_type" not in kinds else None,
        named_place(text) if not kinds & PLACE_ENTITIES else None,
    ]
    return [e for e in found if e]


def _surface(entity: Dict[str, Any], text: str) -> str:
    if entity.get("text"):
        return str(entity["text"])
    start, end = entity.get("start"), entity.get("end")
    return text[start:end] if isinstance(start, int) and isinstance(end, int) else ""


def _names_no_kind(surface: str) -> bool:
    """«паспорт», «мій загублений паспорт», "my lost passport": a passport, but which one is not said."""
    found = re.findall(r"[\w'’-]+", surface.lower())
    return sum(bool(BARE_PASSPORT.match(w)) for w in found) == 1 and all(
        BARE_PASSPORT.match(w) or NOT_A_KIND.match(w) for w in found
    )


def bare_passport(entities: List[Dict[str, Any]], text: str = "") -> bool:
    """A doc_type entity whose words are only «паспорт» (any case form) or "passport", with at most words that do
    not say which one (the normaliser would otherwise read «потєряний паспорт» as the ID card), and no other doc_type
    entity that does («документи на ID карту в 16, якщо паспорта не було» says which)."""
    bare = [e.get("entity") == "doc_type" and _names_no_kind(_surface(e, text)) for e in entities]
    return any(bare) and not names_a_kind(entities, text)


# «перелік документів на перший паспорт синові», "first passport at 14": a citizen's first passport is the ID card
# (issued from 14; its checklist says what a younger child has instead), not «which passport?».
FIRST_PASSPORT = re.compile(
    r"\b(перш\w*|перв\w*|first)\s+((свій|свой|мій|мой|його|її|его|ее|his|her|my|their|a)\s+)?(паспорт\w*|пасспорт\w*|"
    r"passports?)\b|\b(паспорт\w*|passports?)\s+(вперше|впервые|for the first time)",
    re.IGNORECASE,
)


def first_passport(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """The entities with «перший паспорт» read as the ID card's first issue, when no entity says which document."""
    match = FIRST_PASSPORT.search(text)
    if not match or names_a_kind(entities, text):
        return entities
    kept = [e for e in entities if e.get("entity") != "doc_type"]
    found = {"start": match.start(), "end": match.end(), "confidence_entity": 1.0, "extractor": "FaqRetriever"}
    kept.append({"entity": "doc_type", "value": "id_card", **found})
    if not any(e.get("entity") == "reason" for e in kept):
        kept.append({"entity": "reason", "value": "first_issue", **found})
    return kept


def names_a_kind(entities: List[Dict[str, Any]], text: str = "") -> bool:
    """A doc_type entity that says which document it is («ID карту», «закордонний»), not just «паспорт»."""
    return any(e.get("entity") == "doc_type" and not _names_no_kind(_surface(e, text)) for e in entities)


def passport_alone(intent: str, entities: List[Dict[str, Any]], text: str) -> bool:
    """A checklist question or a form answer that names «паспорт» without saying which one: which passport?"""
    if intent == INFORM and BARE_PASSPORT.match(re.sub(r"[^\w]", "", text.lower())):
        return True  # the word alone, whatever the tagger made of it
    if not bare_passport(entities, text):
        return False
    # «треба новий паспорт», "I need passport" outside the form start it: the form asks which one instead of
    # taking the ID card; in the form a bare «паспорт вкрали» leaves the document already chosen as it was.
    return intent in CHECKLIST_INTENTS or intent == INFORM


def tracks_a_bare_passport(intent: str, entities: List[Dict[str, Any]], text: str) -> bool:
    """«хочу відстежувати свій паспорт»: tracking that names «паспорт» without saying which one, and no number. The
    tracking form then asks which document instead of taking the ID card; with a number the lookup runs at once, and
    its reply names the document it looked up. «нагадай, коли закінчиться мій паспорт 12.05.2027» likewise: the
    reminder asks which document (its rule differs by document) and keeps the date."""
    return (
        intent in (TRACK, REMINDER)
        and bare_passport(entities, text)
        and not any(e.get("entity") == "document_number" for e in entities)
    )


def asks_for_a_passport(entities: List[Dict[str, Any]], text: str) -> bool:
    """«нада паспорт зробить», "how to get passport": wants a passport and names no kind of it."""
    if not WANTS_A_DOCUMENT.search(text):
        return False
    if any(e.get("entity") == "doc_type" for e in entities):
        return bare_passport(entities, text)
    return any(BARE_PASSPORT.match(w) for w in re.findall(r"[\w'’-]+", text.lower()))


def asks(text: str) -> bool:
    """A question of four words or more: ends with «?» or opens with a question word."""
    text = text.strip()
    return len(text.split()) >= MIN_QUESTION_WORDS and (text.endswith("?") or bool(QUESTION_WORD.match(text)))


def asks_or_defines(text: str) -> bool:
    """A question (`asks`), or asking what something is in however few words («рнокпп це що»)."""
    return asks(text) or bool(DEFINITION_QUESTION.search(text))


def asks_what_checklist_answers(intent: str, text: str, entity_kinds: Sequence[str] = ()) -> bool:
    """Does the message hold a word of what the checklist question `intent` asks for (documents, fee, term, place;
    for tracking: a status, readiness, "my" document)?
    Latin look-alikes inside Cyrillic words («дoкументи») are read as Cyrillic."""
    cues = INTENT_CUES.get(intent)
    if cues is None:
        return True
    text = _without_lookalikes(text)
    if intent in CHECKLIST_INTENTS and NO_CHECKLIST_QUESTION.search(text):
        return False
    if intent == "ask_where_to_apply" and PLACE_ENTITIES & set(entity_kinds):
        return True
    return bool(cues.search(text))


def _without_lookalikes(text: str) -> str:
    """Latin letters that look Cyrillic inside Cyrillic words («дokументи») read as Cyrillic."""
    return " ".join(fix_lookalikes(w) for w in text.split())


def _one_checklist_question(text: str, patterns: Dict[str, re.Pattern]) -> Optional[str]:
    """The one checklist question of `patterns` the message asks (None for none, two, or a validity / "who"
    question, which no checklist answers)."""
    text = _without_lookalikes(text)
    if NO_CHECKLIST_QUESTION.search(text):
        return None
    found = [intent for intent, pattern in patterns.items() if pattern.search(text)]
    return found[0] if len(found) == 1 else None


def precise_checklist_question(text: str) -> Optional[str]:
    """The one checklist question the message asks in so many words (PRECISE_QUESTIONS), or None."""
    return _one_checklist_question(text, PRECISE_QUESTIONS)


def story_checklist_question(text: str) -> Optional[str]:
    """The same in the narrower words that count when no entry is sure after the cap (STORY_QUESTIONS), or None."""
    return _one_checklist_question(text, STORY_QUESTIONS)


def not_an_answer(text: str, faq_confidence: float, answer_threshold: float, suggest_threshold: float) -> bool:
    """A message DIET calls a form answer that the FAQ should take: a question the retriever has at least a
    suggestion for, or a long story it can answer."""
    if asks_or_defines(text):
        return faq_confidence >= suggest_threshold
    return len(text.split()) > LONGEST_FORM_ANSWER and faq_confidence >= answer_threshold


def likely_entries(ranking: List[Dict[str, Any]]) -> List[str]:
    """The entries worth a «did you mean» button: the best and those scoring at least half as well."""
    if not ranking:
        return []
    best = ranking[0]["score"]
    return [r["id"] for r in ranking if r["score"] >= best * MIN_SUGGESTION_SHARE][:MAX_SUGGESTIONS]


def suggested_beside_question(message: Dict[str, Any]) -> List[str]:
    """Entries offered beside «which document?» when a typed checklist question named none: «my passport was
    stolen, what do I do» gets the police steps as a button as well as the checklist's first question."""
    text = message.get("text") or ""
    if text.startswith("/") or (message.get("intent") or {}).get("name") not in QUESTIONS:
        return []
    if follow_up(message.get("entities") or [], text) in QUESTIONS:
        return []  # «що брати з собою?» names no topic: entries found for «брати» would be noise
    retrieved = message.get(FAQ) or {}
    return likely_entries(retrieved.get("ranking") or []) if retrieved.get("suggest") else []


def route(
    intent: str,
    intent_confidence: float,
    entities: List[Dict[str, Any]],
    faq_confidence: float,
    answer_threshold: float,
    suggest_threshold: float,
    text: str = "",
    specific_threshold: float = 1.0,
    top_documents: Sequence[str] = (),
    runner_up: Optional[str] = None,
    top_intent: Optional[str] = None,
    capped_confidence: Optional[float] = None,
) -> str:
    """'faq' (answer or «did you mean»), 'keep' (DIET's intent stands), or the intent to use instead (a checklist
    question or track_document).

    `top_documents`: the documents of the retriever's first entry (none for an entry an intent serves); a sure
    checklist question about one of them goes to that entry when the retriever reaches `specific_threshold`.
    `top_intent`: the intent that serves the retriever's first entry, if one does (`trains_intent`)."""
    # "can i talk to a real person" at contact_human 0.85 and the contacts entry first: DIET and the retriever agree,
    # so wherever the FAQ would take the message, DIET's intent stands (the contacts, not «did you mean» them).
    to_faq = "keep" if intent != FAQ and top_intent == intent else FAQ
    if BARE_NUMBER.match(text) and intent not in (INFORM, "nlu_fallback"):
        return INFORM  # DIET once took «200» for tracking at 0.93, and the form's age question was left
    if DIGITS_ONLY.match(text) and intent not in NEVER_OVERRULED:
        # «12345»: a mistyped document number (DIET: out of scope or tracking, by the training); tracking explains it.
        return "keep" if intent == TRACK else TRACK
    reacted = reaction(text)
    if reacted:
        return "keep" if intent == reacted else reacted
    if text and not any(ch.isalnum() for ch in text) and intent not in ("affirm", "deny", "nlu_fallback"):
        # «???» at contact_human 1.0 gave the contacts, «...» the out-of-scope reply, «🐸» at greet 0.56 a greeting
        # in the middle of a form: a message with no word in it gets «I did not understand» and the choices.
        return "nlu_fallback"
    if STOP_ALONE.match(text) and intent not in ("goodbye", "deny", "unsubscribe"):
        return "goodbye"
    if (
        intent in (REMINDER, FAQ, "nlu_fallback", "out_of_scope", "help", TRACK)
        and REMINDER_WORD.search(text)
        and (STOP_WORDS.search(text) or CANCEL_WORD.search(text))
        and not ASKS_FOR_A_REMINDER.search(text)
    ):
        return "unsubscribe"  # «скасуй нагадування» at set_expiry_reminder 0.94: cancel it, not set one
    if (
        intent in (REMINDER, FAQ, "nlu_fallback", "out_of_scope", "help", TRACK)
        and len(text.split()) <= LONGEST_TRACK_REQUEST
        and REMINDER_WORD.search(text)
        and MY_LIST.search(text)
        and not ASKS_FOR_A_REMINDER.search(text)
    ):
        return "my_subscriptions"  # «мої нагадування» asked which document to remind of: the list shows reminders
    if (
        (intent == SET_LANGUAGE or any(e.get("entity") == "language" for e in entities))
        and KNOWING_A_LANGUAGE.search(text)
        and not NOT_KNOWING.search(text)
        and faq_confidence >= suggest_threshold
    ):
        # "need to know ukrainian language?" after a citizenship answer switched the reply language. FAQ even when
        # the first entry is the one the switch serves (to_faq would keep the switch).
        return FAQ
    labelled = typed_menu_label(text) or typed_offer_label(text)
    if labelled:
        return "keep" if intent == labelled else labelled
    if (
        (
            intent in (FAQ, "nlu_fallback", "out_of_scope", "help", "start_consultation", INFORM, "ask_documents")
            or (intent in ("unsubscribe", "my_subscriptions") and intent_confidence < DIET_SURE)
        )
        and faq_confidence < answer_threshold
        and len(text.split()) <= LONGEST_TRACK_REQUEST
        and ASKS_TO_TRACK.search(text)
        and not STOP_WORDS.search(text)
        and not LISTS_SUBSCRIPTIONS.search(text)
        and not ABOUT_CHECKING_ELSEWHERE.search(text)
    ):
        return TRACK
    if (
        intent == REMINDER
        and faq_confidence >= answer_threshold
        and QUOTES_A_STATUS.search(text)
        and not ASKS_FOR_A_REMINDER.search(text)
    ):
        return FAQ
    has_doc = any(e.get("entity") == "doc_type" for e in entities) and not bare_passport(entities, text)
    if (
        intent == "start_over"
        and len(text.split()) > LONGEST_RESTART
        and ASKS_SOMETHING.search(text)
        and not RESTART_WORDS.search(text)
    ):
        decided = route(
            FAQ,
            0.0,
            entities,
            faq_confidence,
            answer_threshold,
            suggest_threshold,
            text,
            specific_threshold,
            top_documents,
            runner_up,
            top_intent,
        )
        return FAQ if decided == "keep" else decided
    if intent in SMALL_TALK and has_doc and question_words(text) >= MIN_QUESTION_WORDS:
        # «добрий вечір, мій наречений з нігерії… підкажіть де у вінниці оформлюють посвідку» at greet: a question
        # after the greeting, routed as one DIET has no intent for.
        decided = route(
            FAQ,
            0.0,
            entities,
            faq_confidence,
            answer_threshold,
            suggest_threshold,
            text,
            specific_threshold,
            top_documents,
            runner_up,
            top_intent,
        )
        return FAQ if decided == "keep" else decided
    sure = intent_confidence >= DIET_SURE
    if (
        intent not in NEVER_OVERRULED - {INFORM}  # never a form answer; a yes or a step of the form stays
        # "is my residence permit ready?" with the entry on checking a status sure: a short question about the
        # user's own document is answered by looking it up, which also says how to check.
        and (
            faq_confidence < answer_threshold
            or (len(text.split()) <= LONGEST_WHERE_IS_MY and OWN_DOCUMENT.search(text))
        )
        and asks_after_my_document(entities, text)
    ):
        # «де мій паспорт» at a fallback (DIET: where to apply 0.53): tracking, not «which passport?»; «перевірте будь
        # ласка чи готова моя айді картка» at faq 1.0, «чи готова вже моя айді картка» at tracking 0.68.
        return "keep" if intent == TRACK else TRACK
    numbered = any(e.get("entity") == "document_number" for e in entities)
    if (
        intent not in NEVER_OVERRULED
        and intent != TRACK
        and faq_confidence < answer_threshold
        and (
            (APPLICATION_NUMBER_RE.search(text) and not numbered)
            # "hows my id card coming along 012345678" at ask_processing_time 0.98: a question about one's own document
            or (numbered and intent == "ask_processing_time")
        )
    ):
        # «номер заявки 20250312000451 — що з моїм документом?» at faq 0.97: tracking says which number it needs.
        return TRACK
    if (
        intent == TRACK
        and not numbered
        and top_intent != TRACK
        and faq_confidence >= suggest_threshold
        and ABOUT_CHECKING_ELSEWHERE.search(text)
    ):
        return to_faq
    if (
        intent not in NEVER_OVERRULED
        and faq_confidence < answer_threshold
        and len(text.split()) <= LONGEST_WHAT_YOU_CAN_DO
        and ASKS_WHAT_YOU_CAN_DO.search(text)
    ):
        return "keep" if intent == "help" else "help"
    if (
        intent in (FAQ, "nlu_fallback", "out_of_scope", "start_consultation")
        and faq_confidence < answer_threshold
        and len(text.split()) <= LONGEST_HOW_THE_BOT_WORKS
        and ASKS_HOW_THE_BOT_WORKS.search(text)
    ):
        return "help"
    if intent == "unsubscribe" and SUBSCRIBE_ME.search(text) and not STOP_WORDS.search(text):
        return TRACK  # «підпишіть мене на сповіщення про готовність документа» at unsubscribe 0.67
    if intent in (FAQ, "nlu_fallback", "out_of_scope", "help") and DELETE_REQUEST.match(text):
        return "delete_my_data"
    if intent in (FAQ, "nlu_fallback", "out_of_scope", "help", "my_subscriptions", TRACK) and STOP_MESSAGES.search(
        text
    ):
        # "I dont want to get messages about my passport anymore" at faq 0.83; with a number, that subscription.
        return "unsubscribe"
    if (
        intent in (FAQ, "nlu_fallback", "out_of_scope", "help")
        and top_intent != TRACK
        and not ASKS_FOR_A_REMINDER.search(text)
        and not ABOUT_CHECKING_ELSEWHERE.search(text)
        and (NOTIFY_ME.search(text) or (FOLLOW_MY.search(text) and not HOW_TO.search(text)))
    ):
        return TRACK  # "can you let me know when my residence permit is ready? applied 3 weeks ago" at faq 1.0
    if (
        intent in (FAQ, "nlu_fallback", "out_of_scope", "help", "start_consultation")
        and faq_confidence < answer_threshold
        and question_words(text) <= LONGEST_GUIDE_ME
        and GUIDE_ME.search(text)
        and not ASKS_HOW.search(text)  # "explain step by step how to book the e-queue" asks for an entry's steps
    ):
        # «короче я запутався шо мені робить з паспортами, розпиши по пунктах» at start_consultation 0.99 is no
        # question of what to do (the steps of an entry), "give me a to-do list for my paperwork" at faq no question.
        return "keep" if intent == "start_consultation" else "start_consultation"
    if (
        (intent in QUESTIONS or intent in FRAGMENT_GUESSES or intent == "start_consultation")
        and not numbered
        and faq_confidence >= suggest_threshold
        and ANOTHER_DOCUMENT_ASKED.search(text)
    ):
        # "what visa i need" at out_of_scope after a permit answer was a fragment asking the permit's documents.
        return to_faq  # «где получить гражданство украины с внж» at faq: citizenship, not the permit's offices
    fragment = follow_up(entities, text) if intent in FRAGMENT_GUESSES and faq_confidence < answer_threshold else None
    if intent == "start_consultation" and not sure and faq_confidence < answer_threshold:
        # "what documents do I need?" at start_consultation 0.59 (= faq 0.59): the question for the conversation's
        # document, not «did you mean»; a document named alone still starts the consultation.
        asked = follow_up(entities, text)
        fragment = asked if asked in QUESTIONS else None
    if fragment:
        # «а закордонний?» at help 1.0, "and for an ID card?" at goodbye 0.68, "what documents?" at a fallback: a
        # fragment continues the conversation, which no FAQ entry is sure of.
        return "keep" if fragment == intent else fragment
    named = {e.get("value") for e in entities if e.get("entity") == "doc_type"}
    kinds = {e.get("entity") for e in entities}
    # "accredited in Ukraine": Ukraine is where everyone applies, so naming it asks for no place (abroad does).
    cue_kinds = {
        e.get("entity") for e in entities if not (e.get("entity") in PLACE_ENTITIES and e.get("value") == "ukraine")
    }
    words = len(text.split())
    plain_words = question_words(text)
    # A checklist question (or tracking without a number) with no word of what it asks for, that the retriever has at
    # least a suggestion for.
    off_topic = (
        intent in INTENT_CUES
        and not (intent == TRACK and numbered)
        and not asks_what_checklist_answers(intent, text, cue_kinds)
        and faq_confidence >= suggest_threshold
    )
    if (
        "language" in kinds
        and intent != SET_LANGUAGE
        and 0 < words <= LONGEST_LANGUAGE_SWITCH
        and faq_confidence < answer_threshold
    ):
        # «back to Ukrainian» is no «back»: a short message naming a language asks for it, unless an entry is sure
        # it is a question about the language (the citizenship exam, a translation).
        return SET_LANGUAGE
    if (
        intent in ("out_of_scope", "nlu_fallback", FAQ)
        and not sure
        and kinds - {"language"}
        and 0 < words <= LONGEST_BARE_VALUE
        and faq_confidence < answer_threshold
    ):
        return INFORM  # «вкрали»: a form value DIET is unsure of, which no FAQ entry answers, is a form answer
    if (
        intent in (TRACK, FAQ, "help", "nlu_fallback", "out_of_scope")
        and not numbered
        and ASKS_FOR_A_REMINDER.search(text)
    ):
        return REMINDER
    if (
        intent not in NEVER_OVERRULED
        # «хочу відстежувати свій паспорт» at track_document: a word of tracking, not a request for a passport
        and (intent not in INTENT_CUES or not asks_what_checklist_answers(intent, text, cue_kinds))
        and not numbered
        and faq_confidence < answer_threshold
        and words <= LONGEST_PASSPORT_REQUEST
        and asks_for_a_passport(entities, text)
        # «вийшла заміж, коли треба міняти паспорт?» at faq 1.0: a question DIET is sure the FAQ answers, and an
        # entry worth offering; «which passport?» would not answer it.
        and not (intent == FAQ and sure and asks(text) and faq_confidence >= suggest_threshold)
        # «чи можна отримати паспорт за довіреністю» at start_consultation 0.5: whether it may be done is no request
        and not (ASKS_IF_ALLOWED.search(text) and asks(text) and faq_confidence >= suggest_threshold)
    ):
        return "start_consultation"  # the form drops the bare «паспорт» and asks which one (passport_alone)
    if (
        # DIET's fee guess for "I want a passport for travel abroad" (tied with faq at 0.97) has no word of a fee
        (intent in (FAQ, "nlu_fallback", "out_of_scope") or (intent in QUESTIONS and off_topic))
        and has_doc
        and not numbered
        and faq_confidence < answer_threshold
        and words <= LONGEST_DOCUMENT_REQUEST
        and "?" not in text
        and (OPENS_WITH_A_WISH.match(text) or WISH_FOR_A_DOCUMENT.search(text))
        and not WISH_TO_KNOW.search(text)
        and precise_checklist_question(text) in (None, "ask_documents")
    ):
        # "I want a passport for travel abroad" at faq 0.97 offered entries on newborns and 3-day passports.
        return "start_consultation"
    acts = intent in CHECKLIST_INTENTS or intent == INFORM or (intent not in NEVER_OVERRULED and not numbered)
    # «що означає статус персоналізовано» at start_over 0.83 is no step of the form.
    unsure_step = intent in NAVIGATION and not sure
    acts = acts or unsure_step
    # «я заплуталась, не розумію що робити» is help itself: the menu, not «did you mean» entries no one is sure of.
    # "my TRP expires next week what do I do" at help 0.97 names its document: a question, not confusion.
    confused = intent in GENERAL_REPLIES and sure and faq_confidence < answer_threshold and not has_doc
    if intent == "my_subscriptions" and not SUBSCRIPTION_WORDS.search(text) and faq_confidence >= suggest_threshold:
        # «подавала на загран в мариуполе в феврале 22го, подразделения больше нет, что с моим заявлением» at 0.86:
        # no word of subscriptions; the entry about a closed unit is offered, not an empty list of subscriptions.
        return to_faq
    if intent == "help" and has_doc and words >= MIN_QUESTION_WORDS and faq_confidence >= suggest_threshold:
        # «я загубив закордонний тут в україні не знаю де з чого почати» at help 0.96 asks about its document: the
        # steps (or «did you mean» them), not the menu.
        return to_faq
    asks_what_to_do = ASKS_WHAT_TO_DO.search(text) or (has_doc and WHERE_TO_BEGIN.search(text))
    if intent != FAQ and acts and not confused and (asks_what_to_do or ASKS_WHAT_IT_MEANS.search(text)):
        if faq_confidence >= suggest_threshold:
            # Answer first: the steps (or «did you mean» them); the checklist is a button away. «Статус третій
            # тиждень той самий, що робити» asks for steps too, not for tracking (unless it gives a number to track).
            return to_faq
    if (
        (intent in (FAQ, "nlu_fallback", "out_of_scope") or (intent in QUESTIONS and not sure))
        and has_doc
        # «скільки робиться айді картка» at ask_fee 0.86 beside ask_processing_time 0.86: the sure entry is the fee
        # list, itself a checklist answer, so the words decide which checklist question is asked.
        and (faq_confidence < answer_threshold or top_intent in QUESTIONS)
        and plain_words <= LONGEST_PLAIN_QUESTION
    ):
        # «за який час видають посвідку на постійне» at faq: no entry is sure, and a short message asks the checklist
        # question for a named document in so many words: the checklist engine answers it precisely. (A story around
        # the same words — "lost my ID card in Prague… where can I get a new one" — asks about the situation.)
        # So does «скільки по времені оформляють айдішку» at ask_processing_time 0.66, DIET unsure of the question, and
        # "documents for a permanent residence permit in Ukraine" at ask_where_to_apply 0.81, unsure of another one.
        precise = precise_checklist_question(text)
        if precise:
            return "keep" if precise == intent else precise
    if (
        (intent in (FAQ, "nlu_fallback", "out_of_scope") or (intent in QUESTIONS and not sure))
        and has_doc
        and capped_confidence is not None
        and capped_confidence < answer_threshold
        and plain_words <= LONGEST_STORY_QUESTION
    ):
        asked = story_checklist_question(text)
        if asked:
            return "keep" if asked == intent else asked
    if numbered and intent in QUESTIONS and not sure and faq_confidence < answer_threshold:
        return TRACK  # «чи вже зробили мою айдішку? … номер картки 004518273» at ask_where_to_apply 0.67
    if intent == FAQ and numbered and faq_confidence < answer_threshold:
        return TRACK  # «свідоцтво 1-ВЛ648009, чи готова айдішка?»: a document number is typed to track that document
    if (
        intent == FAQ
        and faq_confidence < suggest_threshold
        and runner_up
        and runner_up not in NOT_A_RUNNER_UP
        # "insurance is must?" after a study permit answer, DIET sure it is an FAQ question: the closest entries, not
        # «I cannot help with that».
        and not (runner_up == "out_of_scope" and sure)
    ):
        # «де мій паспорт?»: DIET's faq guess with no entry even worth offering; its next guess (tracking) answers.
        return runner_up
    if intent == FAQ:
        if (
            has_doc
            and faq_confidence < answer_threshold
            and runner_up in QUESTIONS
            and not named & set(top_documents)
            and asks_what_checklist_answers(runner_up, text, cue_kinds)
        ):
            # «скільки чекати айді-картку?»: no FAQ entry is sure, the likeliest is not about the named document, and
            # DIET's next guess is a checklist question: the checklist engine's precise answer beats a «did you mean».
            return runner_up
        return to_faq
    if (
        intent in FORM_ANSWERS
        and not_an_answer(text, faq_confidence, answer_threshold, suggest_threshold)
        and (intent == INFORM or QUESTION_WORD.match(text))  # «так, а коли буде готово?» is still a yes
    ):
        # DIET took a question for a form answer («що таке дозвіл на імміграцію»): none of the form answers it
        # learnt from is a question. In a form the answer (or «did you mean») comes first, then the form asks again.
        return to_faq
    if intent in CHECKLIST_INTENTS and sure and (has_doc or intent == "start_consultation"):
        if (
            intent != "start_consultation"
            and faq_confidence >= specific_threshold
            and named & set(top_documents)
            and not (intent == "ask_documents" and ASKS_FOR_DOCUMENTS.search(text))
            # «дочке 14 лет первый паспорт айди сколько делается»: the checklist question asked outright, and no entry
            # sure enough to answer (only a list): the term beats «did you mean».
            and not (
                capped_confidence is not None
                and capped_confidence < answer_threshold
                and precise_checklist_question(text) is not None
            )
        ):
            return to_faq  # a specific question about the document («можна продовжити закордонний?»), not its checklist
        # «сколько рассматривают посвидку на временное» at ask_fee, "what do I need to apply for permanent residence
        # permit in Ukraine" at ask_where_to_apply: another checklist question, asked outright.
        precise = precise_checklist_question(text) if plain_words <= LONGEST_PLAIN_QUESTION else None
        if precise and precise != intent and intent != "start_consultation":
            return precise
        if off_topic:
            return to_faq  # "can my 9 year old son get an ID card" at ask_where_to_apply: no place is asked for
        if (
            (ASKS_IF_ALLOWED.search(text) or ASKS_IF_TRUE.search(text))
            and faq_confidence >= answer_threshold
            and named & set(top_documents)
            # «можна список документів на айді?» asks for the list; «…в 16 треба міняти, це правда?» does not
            and not (intent == "ask_documents" and ASKS_FOR_DOCUMENTS.search(text) and not ASKS_IF_TRUE.search(text))
        ):
            # «можна зробити закордонний за 3 дні, скільки це коштує?» at ask_fee 0.99: whether it can be done is
            # asked too, which an entry about the document answers and the fee list does not.
            return to_faq
        return "keep"  # a checklist question for a named document, or «Консультація» itself
    unsure = intent not in NEVER_OVERRULED and not sure
    if unsure_step and words > LONGEST_BARE_VALUE and faq_confidence >= answer_threshold:
        return to_faq
    if intent == "help" and words <= LONGEST_HOW_THE_BOT_WORKS and ASKS_HOW_THE_BOT_WORKS.search(text):
        return "keep"  # "what questions can I ask you?" at help 0.92: the menu, not an entry about languages
    if (intent in OVERRULABLE or unsure or intent in GENERAL_REPLIES) and faq_confidence >= answer_threshold:
        return to_faq
    # «Можливо, ви питаєте про…»; a message DIET is sure is out of scope («яка погода в Києві») needs a match
    # half-way to an answer, so another body's question («як оновити дані в тцк») still gets its referral offered.
    if intent in ("nlu_fallback", "out_of_scope"):
        needed = suggest_threshold if not sure else (suggest_threshold + answer_threshold) / 2
        if faq_confidence >= needed:
            return to_faq
    if off_topic:
        return to_faq
    if intent == "ask_documents" and has_doc and ASKS_FOR_DOCUMENTS.search(text) and faq_confidence < answer_threshold:
        # «Що брати з собою, щоб оформити закордонний паспорт?» at 0.70: the list for a named document is asked for,
        # and no entry is sure of anything else.
        return "keep"
    long_yes_or_no = intent in ("affirm", "deny") and words > LONGEST_FORM_ANSWER
    general_request = intent in GENERAL_REPLIES and words >= MIN_QUESTION_WORDS
    if (
        (long_yes_or_no or general_request)
        and not sure
        and not YES_OR_NO_FIRST.match(text)
        and not numbered
        and faq_confidence >= suggest_threshold
    ):
        # «посвідка на тимчасове кончилась а я не продовжував, шо тепер буде» at affirm 0.53 is no yes, and «ти
        # реально від дмс чи так, лівий бот» at help 0.71 asks something the menu does not answer: offer the entries.
        return to_faq
    if unsure and asks_or_defines(text) and not numbered and faq_confidence >= suggest_threshold:
        # DIET is unsure and the user asks a question the retriever has a suggestion for: offer the entries rather
        # than act on the guess ("how can I book a slot" at contact_human 0.78).
        return to_faq
    return "keep"


def outcome(parse: Dict[str, Any]) -> Dict[str, Any]:
    """What the bot does with a parsed message, for the evaluation:
    {"kind": "faq"|"likely"|"suggest"|"checklist"|"ambiguous"|"intent", "value": entry id / doc_type / intent name,
     "intent": the final intent}, and for "ambiguous" "suggested": the entries offered beside the question."""
    intent = (parse.get("intent") or {}).get("name")
    return {**_outcome(parse, intent), "intent": intent}


def _outcome(parse: Dict[str, Any], intent: Optional[str]) -> Dict[str, Any]:
    faq = parse.get(FAQ) or {}
    if intent == FAQ:
        ranking = faq.get("ranking") or []
        if faq.get("confident") and ranking:
            return {"kind": "faq", "value": ranking[0]["id"]}
        if faq.get("likely") and ranking:
            return {"kind": "likely", "value": ranking[0]["id"]}  # a hedged answer, the other entries beside it
        return {"kind": "suggest", "value": ranking[0]["id"] if ranking else None}
    entities = parse.get("entities") or []
    # «Which document?», with the likeliest FAQ entries as buttons beside it when there are some.
    ambiguous = {"kind": "ambiguous", "value": None, "suggested": suggested_beside_question(parse)}
    if passport_alone(intent, entities, parse.get("text") or "") or parse.get("doc_type_ambiguous"):
        return ambiguous
    if intent in CHECKLIST_INTENTS:
        docs = [e.get("value") for e in entities if e.get("entity") == "doc_type"]
        if not docs:
            return ambiguous
        return {"kind": "checklist", "value": docs[0]}
    return {"kind": "intent", "value": intent}
