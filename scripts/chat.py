"""Local chat in the terminal over the REST channel; buttons are numbered, type the number to press one."""

from __future__ import annotations

import argparse

import requests


def show(messages, buttons_out):
    buttons_out.clear()
    for message in messages:
        if message.get("text"):
            print(f"\n🤖 {message['text']}")
        for button in message.get("buttons") or []:
            buttons_out.append(button["payload"])
            print(f"   [{len(buttons_out)}] {button['title']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    args = parser.parse_args()
    sender = ""  # the server issues one with its first reply (X-Sender-Id / recipient_id)
    buttons: list = []
    print("Паспортний помічник — пишіть повідомлення (номер — натиснути кнопку, /exit — вийти).")
    text = "/greet"
    while True:
        try:
            reply = requests.post(
                f"{args.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
            )
            sender = reply.headers.get("X-Sender-Id", sender)
            if reply.status_code >= 400:
                print(f"(сервер відповів {reply.status_code}: {reply.text[:200]})")
            else:
                show(reply.json(), buttons)
        except requests.RequestException as exc:
            print(f"(немає зв'язку з сервером: {exc})")
        try:
            text = input("\n🙂 ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if text in {"/exit", "/quit"}:
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]


if __name__ == "__main__":
    main()
