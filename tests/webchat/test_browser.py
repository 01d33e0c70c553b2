"""A real browser (Debian's chromium + chromedriver, headless) on the web chat page, against the real servers.

Screenshots go to results/webchat-desktop.png and results/webchat-phone.png.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.webchat.conftest import results_dir

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 180  # a reply needs the real NLU and action server on a shared machine


def make_driver(width: int, height: int, profile: str, phone: bool = False) -> webdriver.Chrome:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium and chromium-driver are needed (Debian packages; .ci/run installs them)")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--lang=uk",
    ):
        options.add_argument(flag)
    if phone:
        # Headless windows are at least 500 px wide; a phone is emulated instead (touch, 360 CSS px, DPR 2).
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": True}}
        )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture()
def profile():
    path = tempfile.mkdtemp(prefix="webchat-chromium-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def bot_count(driver) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, "#log li.msg.bot"))


def wait_for_answer(driver, before: int):
    """Until more bot messages are shown than `before` and the typing indicator is gone."""
    WebDriverWait(driver, WAIT).until(
        lambda d: bot_count(d) > before and not d.find_element(By.ID, "typing").is_displayed()
    )


def press(driver, title: str):
    before = bot_count(driver)
    button = WebDriverWait(driver, WAIT).until(
        EC.element_to_be_clickable(
            (By.XPATH, f"//button[contains(@class,'choice') and not(@disabled) and normalize-space()='{title}']")
        )
    )
    button.click()
    wait_for_answer(driver, before)


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


NAVIGATION = ("Назад", "Почати спочатку", "English", "Українська")


def last_answers(driver):
    """Enabled answer buttons of the newest bot message, without back/restart/language."""
    last = driver.find_elements(By.CSS_SELECTOR, "#log li.msg.bot")[-1]
    return [
        b
        for b in last.find_elements(By.CSS_SELECTOR, "button.choice")
        if b.is_enabled() and not any(word in b.text for word in NAVIGATION)
    ]


def test_conversation_in_the_browser(webchat, profile):
    driver = make_driver(1280, 900, profile)
    try:
        driver.get(webchat.web_url + "/")
        # First visit: the greeting with the main menu, as buttons.
        WebDriverWait(driver, WAIT).until(
            lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Консультація']")
        )
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "uk"
        assert driver.find_element(By.CSS_SELECTOR, "label[for=input]").text == "Ваше питання"
        # The session id is HttpOnly: the page's script cannot read it.
        assert "dmsbot_webchat" not in driver.execute_script("return document.cookie")

        # Buttons: «Консультація» → «ID-картка», then the questions are answered from the keyboard only.
        press(driver, "Консультація")
        press(driver, "ID-картка")
        answered = []
        for _ in range(8):
            answers = last_answers(driver)
            if not answers:
                break
            # An adult's answers lead to the full checklist (a child under 14 gets a notice instead).
            answers.sort(key=lambda b: "18" not in b.text)
            target = answers[0]
            answered.append(target.text)
            # Keyboard only: from the message field, Shift+Tab back to the chosen answer.
            driver.find_element(By.ID, "input").click()
            for _ in range(30):
                driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
                if driver.switch_to.active_element == target:
                    break
            assert driver.switch_to.active_element == target
            assert driver.execute_script("return document.activeElement.matches(':focus-visible')")
            assert driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle") != "none"
            before = bot_count(driver)
            driver.switch_to.active_element.send_keys(Keys.ENTER)
            wait_for_answer(driver, before)
            if driver.find_elements(By.CSS_SELECTOR, "#log li.msg.bot:last-child details.sources"):
                break
        assert answered, "the consultation asks its questions with buttons"
        # Old buttons cannot be pressed any more.
        assert not any(
            b.is_enabled() for b in driver.find_elements(By.XPATH, "//button[normalize-space()='Консультація']")
        )

        # The checklist: a numbered list, sources collapsed until opened.
        checklist = driver.find_elements(By.CSS_SELECTOR, "#log li.msg.bot details.sources")[-1].find_element(
            By.XPATH, "./ancestor::li"
        )
        assert checklist.find_elements(By.CSS_SELECTOR, ".bubble > ol > li, .bubble > ul > li"), checklist.text
        assert checklist.get_attribute("lang") == "uk"
        sources = checklist.find_element(By.CSS_SELECTOR, "details.sources")
        assert sources.get_attribute("open") is None, "sources start collapsed"
        links = sources.find_elements(By.CSS_SELECTOR, "a[href^='https://']")
        assert links and not links[0].is_displayed()
        sources.find_element(By.TAG_NAME, "summary").click()
        assert links[0].is_displayed()
        driver.execute_script(
            "const chat = document.getElementById('main'); chat.scrollTop = arguments[0].offsetTop - chat.offsetTop;",
            checklist,
        )
        driver.save_screenshot(str(results_dir() / "webchat-desktop.png"))

        # Reload: the same conversation comes back from the tracker store, with the buttons' titles.
        shown_before = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#log li.msg.user")]
        driver.refresh()
        WebDriverWait(driver, WAIT).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log li.msg.user")) >= len(shown_before)
        )
        shown_after = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#log li.msg.user")]
        assert shown_after == shown_before
        assert any("Консультація" in text for text in shown_after) and any("ID-картка" in text for text in shown_after)
        assert any(answered[0] in text for text in shown_after)
        assert driver.find_elements(By.CSS_SELECTOR, "#log details.sources")

        # The English switch changes the page's language and its labels.
        driver.find_element(By.CSS_SELECTOR, "button.lang[data-lang='en']").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "send").is_enabled())
        assert driver.find_element(By.CSS_SELECTOR, "label[for=input]").text == "Your question"
    finally:
        driver.quit()


def test_free_text_on_a_phone_without_sideways_scroll(webchat, profile):
    driver = make_driver(360, 740, profile, phone=True)
    try:
        driver.get(webchat.web_url + "/")
        WebDriverWait(driver, WAIT).until(
            lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Консультація']")
        )
        assert driver.execute_script("return window.innerWidth") == 360
        # A free-text question, typed and sent with Enter, gets the checklist.
        field = driver.find_element(By.ID, "input")
        field.send_keys("Які документи потрібні для ID-картки вперше, мені 14")
        before = bot_count(driver)
        field.send_keys(Keys.ENTER)
        wait_for_answer(driver, before)
        answer = driver.find_elements(By.CSS_SELECTOR, "#log li.msg.bot")[before:]
        checklist = next(li for li in answer if li.find_elements(By.CSS_SELECTOR, "details.sources"))
        assert "свідоцтво про народження" in checklist.text.lower()
        assert checklist.find_elements(By.CSS_SELECTOR, ".bubble > ol > li"), "the checklist is a numbered list"
        assert no_sideways_scroll(driver)
        for element in driver.find_elements(By.CSS_SELECTOR, "#log .bubble, .composer, .topbar"):
            right = driver.execute_script("return arguments[0].getBoundingClientRect().right", element)
            assert right <= 361, element.get_attribute("outerHTML")[:200]
        driver.save_screenshot(str(results_dir() / "webchat-phone.png"))
    finally:
        driver.quit()
