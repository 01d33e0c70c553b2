"""End to end over the REST webhook: the real Rasa server, the real action server, the trained model."""

import uuid

import pytest

from tests.e2e.rasa_stack import RasaStack, button_payloads, reply_text

RASA_PORT, ACTION_PORT = 15005, 15055


@pytest.fixture(scope="module")
def stack(trained_model, tmp_path_factory):
    running = RasaStack(trained_model, tmp_path_factory.mktemp("e2e"), RASA_PORT, ACTION_PORT).start()
    yield running
    running.stop()


def new_user() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_direct_question_gets_birth_certificate(stack):
    reply = stack.say(new_user(), "Які документи потрібні для ID-картки вперше, мені 14")
    assert "свідоцтво про народження" in reply_text(reply)


def test_greeting_shows_main_menu(stack):
    reply = stack.say(new_user(), "Привіт")
    payloads = button_payloads(reply)
    for expected in ["/start_consultation", "/track_document", "/ask_fee", "/ask_where_to_apply", "/contact_human"]:
        assert expected in payloads


def test_full_consultation_with_buttons_back_and_restart(stack):
    user = new_user()
    assert '/inform{"doc_type":"id_card"}' in button_payloads(stack.say(user, "/start_consultation"))
    reply = stack.say(user, '/inform{"doc_type":"id_card"}')
    assert '/inform{"reason":"stolen"}' in button_payloads(reply)
    reply = stack.say(user, "вкрали")  # free text answer
    assert '/inform{"location":"abroad"}' in button_payloads(reply)
    reply = stack.say(user, "/go_back")
    assert '/inform{"reason":"lost"}' in button_payloads(reply), reply_text(reply)
    stack.say(user, '/inform{"reason":"lost"}')
    stack.say(user, '/inform{"location":"ukraine"}')
    reply = stack.say(user, '/inform{"passport_issued_in":"ukraine"}')
    text = reply_text(reply)
    assert "заява про втрату" in text and "ЄРДР" not in text
    assert "Джерела" in text
    reply = stack.say(user, "/start_over")
    assert '/inform{"doc_type":"foreign_passport"}' in button_payloads(reply)


@pytest.mark.parametrize("bad", ["мені -3", "200"])
def test_impossible_age_is_asked_again(stack, bad):
    user = new_user()
    stack.say(user, '/ask_documents{"doc_type":"foreign_passport"}')
    stack.say(user, '/inform{"reason":"first_issue"}')
    reply = reply_text(stack.say(user, bad))
    assert "від 0 до 120" in reply


def test_an_age_typed_at_the_reason_question_is_kept_and_not_asked_again(stack):
    user = new_user()
    stack.say(user, '/ask_documents{"doc_type":"foreign_passport"}')
    reply = stack.say(user, "мені 40")
    text = reply_text(reply)
    assert "Записав: вік 40." in text and "не зрозумів" not in text, text
    assert '/inform{"reason":"first_issue"}' in button_payloads(reply)  # the reason question again
    reply = reply_text(stack.say(user, '/inform{"reason":"first_issue"}'))
    assert "Скільки повних років" not in reply, reply


@pytest.mark.parametrize("said", ["ок", "добре"])
def test_a_yes_after_an_answer_is_acknowledged(stack, said):
    user = new_user()
    stack.say(user, '/ask_fee{"doc_type":"id_card"}')
    text = reply_text(stack.say(user, said))
    assert "Добре! Якщо буде ще питання" in text and "не зовсім зрозумів" not in text, text


def test_a_thumbs_up_after_an_answer_is_acknowledged(stack):
    user = new_user()
    stack.say(user, '/ask_fee{"doc_type":"id_card"}')
    text = reply_text(stack.say(user, "👍"))
    assert "Добре! Якщо буде ще питання" in text and "не допоможу" not in text, text


def test_another_topic_while_the_fee_question_waits_for_its_document(stack):
    # «а скільки коштує?» → «Який документ?» → «а де його робити?» → «айді»: the places, not «не зрозумів».
    user = new_user()
    assert "Який документ" in reply_text(stack.say(user, "а скільки коштує?"))
    reply = reply_text(stack.say(user, "а де його робити?"))
    assert "Який документ" in reply and "не зовсім зрозумів" not in reply, reply
    places = reply_text(stack.say(user, "айді"))
    assert "Де оформити — ID-картка" in places, places


def test_a_loss_typed_gets_the_first_steps_before_the_next_question(stack):
    reply = stack.say(new_user(), "я загубив айді картку")
    assert "Що зробити насамперед:" in reply_text(reply)
    assert any(p.startswith("/faq{") for p in button_payloads(reply)), button_payloads(reply)


def test_bad_input_gets_polite_answers(stack):
    user = new_user()
    for message in ["", "ы" * 5000, '/inform{"reason":"nonsense"}', "/no_such_intent", "🙂"]:
        reply = stack.say(user, message)
        assert isinstance(reply, list)
    stack.say(user, "/start_consultation")
    reply = stack.say(user, '/inform{"doc_type":"space_passport"}')
    assert "не зрозумів" in reply_text(reply)
    reply = stack.say(user, '/inform{"doc_type":"permanent_residence_permit"}')
    assert '/inform{"residence_ground":"immigration_permit"}' in button_payloads(reply)


def test_an_unknown_button_gets_did_not_understand_and_sets_nothing(stack):
    # DIET used to read the JSON of '/old_button{"x":1}' as an age and start a consultation.
    user = new_user()
    text = reply_text(stack.say(user, '/old_button{"x":1}'))
    assert "не зовсім зрозумів" in text and "Який документ" not in text, text
    reply = stack.say(user, "/start_consultation")
    assert "Який документ" in reply_text(reply)
    reply = stack.say(user, '/inform{"doc_type":"foreign_passport"}')
    assert "Чому оформлюєте" in reply_text(reply)  # no age of 1 was kept: the questions start from the reason


def test_fee_question_without_menu(stack):
    text = reply_text(stack.say(new_user(), "скільки коштує ID-картка терміново"))
    assert "988 грн" in text


def test_off_topic_gets_no_confident_answer(stack):
    # Either the polite out-of-scope reply or «did you mean…» buttons: never an answer stated as certain.
    text = reply_text(stack.say(new_user(), "яка погода завтра в Києві?"))
    assert "лише щодо документів" in text or "Можливо, ви питаєте про" in text
    assert "Джерело:" not in text


def test_another_bodys_question_gets_a_referral_with_its_source(stack):
    text = reply_text(stack.say(new_user(), "як отримати водійське посвідчення"))
    assert "МВС" in text and "Джерело: https://" in text


def test_contacts(stack):
    text = reply_text(stack.say(new_user(), "дайте номер гарячої лінії"))
    assert "dmsu.gov.ua" in text
