"""The web chat page: serves web/static/ and passes /api/* to the Rasa channel connectors/webchat.py.

    python -m web.server            # http://127.0.0.1:8080/ (WEBCHAT_HOST, WEBCHAT_PORT, RASA_URL)

One origin for the browser (the page and its API on the same port, so the session cookie is first-party and no
CORS is needed) and only this port facing people: Rasa's own port, with its HTTP API, stays internal.
The proxy adds nothing to the conversation: the channel checks the signed sender id in the cookie.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from typing import Optional

import aiohttp
from aiohttp import web

from connectors.webchat_texts import MAX_BODY_BYTES, error_body
from dmsbot.settings import settings

STATIC = Path(__file__).resolve().parent / "static"
CHANNEL_PATH = "/webhooks/webchat/"
API_ROUTES = {("POST", "session"), ("GET", "history"), ("POST", "message"), ("POST", "language"), ("GET", "events")}
# Request headers passed to the channel; everything else (e.g. Authorization) stays behind.
FORWARD_REQUEST = ("Cookie", "Content-Type", "Accept", "Last-Event-ID")
FORWARD_RESPONSE = ("Content-Type", "Set-Cookie", "Cache-Control", "Retry-After")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
log = logging.getLogger("webchat")


@web.middleware
async def security_headers(request: web.Request, handler):
    resp = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    return resp


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def proxy(request: web.Request) -> web.StreamResponse:
    tail = request.match_info["tail"]
    if (request.method, tail) not in API_ROUTES:
        return web.json_response({"error": "not_found"}, status=404)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return web.json_response(error_body("too_long"), status=413)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return web.json_response(error_body("too_long"), status=413)
    headers = {name: request.headers[name] for name in FORWARD_REQUEST if name in request.headers}
    headers["X-Forwarded-Proto"] = request.headers.get("X-Forwarded-Proto", request.scheme)
    url = request.app["rasa_url"] + CHANNEL_PATH + tail
    session: aiohttp.ClientSession = request.app["client"]
    streaming = tail == "events"
    timeout = aiohttp.ClientTimeout(total=None if streaming else 180, sock_connect=5)
    try:
        upstream = await session.request(
            request.method,
            url,
            params=request.query,
            data=body or None,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("Rasa channel unreachable: %s", exc.__class__.__name__)
        return web.json_response(error_body("unavailable"), status=503, headers={"Retry-After": "10"})
    async with upstream:
        if upstream.status == 404:  # the channel is not registered in credentials.yml
            return web.json_response(error_body("unavailable"), status=503)
        resp = web.StreamResponse(status=upstream.status)
        for name in FORWARD_RESPONSE:
            for value in upstream.headers.getall(name, []):
                resp.headers.add(name, value)
        if streaming:
            resp.headers["X-Accel-Buffering"] = "no"
        await resp.prepare(request)
        try:
            async for chunk in upstream.content.iter_any():
                await resp.write(chunk)
                if streaming:
                    await resp.drain()
        except (aiohttp.ClientError, ConnectionResetError, asyncio.TimeoutError):
            pass  # either side went away; the page reconnects
        await resp.write_eof()
        return resp


async def _client(app: web.Application):
    app["client"] = aiohttp.ClientSession(auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
    yield
    await app["client"].close()


def make_app(rasa_url: Optional[str] = None) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=MAX_BODY_BYTES)
    app["rasa_url"] = (rasa_url or settings().rasa_url).rstrip("/")
    app.cleanup_ctx.append(_client)
    app.router.add_get("/", index)
    app.router.add_route("*", "/api/{tail:[a-z]+}", proxy)
    app.router.add_static("/static/", STATIC, show_index=False, append_version=False)
    return app


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description="Web chat page of the assistant")
    parser.add_argument("--host", default=settings().webchat_host)
    parser.add_argument("--port", type=int, default=settings().webchat_port)
    parser.add_argument("--rasa-url", default=None, help="Rasa server (default RASA_URL or http://127.0.0.1:5005)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # aiohttp's access log would print query strings; keep it to method, path and status.
    web.run_app(
        make_app(args.rasa_url),
        host=args.host,
        port=args.port,
        access_log_format='%a "%r" %s %b %Tf',
        print=lambda *_: log.info("web chat on http://%s:%d/", args.host, args.port),
    )


if __name__ == "__main__":
    main()
