"""An example publisher's site that embeds Parley: an article list with comment counts,
article pages with the discussion, and a fake "publisher login" whose users are signed in
to the widget by single sign-on (a JWT signed with the site's secret).

`parley demo` (make demo) serves it on http://127.0.0.1:8001 beside Parley on :8000:

    python examples/publisher/server.py --port 8001 --parley http://127.0.0.1:8000

DEMO ONLY: the login takes no password, and the secret below is published. A real
publisher signs tokens on their own server with a secret only they and Parley know.
"""

import argparse
import html
import json
import os
import time
import uuid
from http import cookies
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt

HERE = Path(__file__).resolve().parent
SECRET = os.environ.get("PARLEY_SSO_SECRET", "parley-demo-sso-secret-do-not-use-in-production")
# The publisher's readers: their own ids and subscriptions, which Parley learns from tokens.
USERS = {
    "ada": {"name": "Ada Reader", "email": "ada@publisher.example", "subscriber": True},
    "ben": {"name": "Ben Browser", "email": "ben@publisher.example", "subscriber": False},
}
ARTICLES = [
    ("car-free-centres-need-a-bargain", "A car-free city centre is a bargain, not a victory"),
    ("night-train-arithmetic", "The night train is a lovely idea with unforgiving arithmetic"),
    ("quiet-return-of-the-repair-shop", "The quiet return of the repair shop"),
    ("a-page-parley-has-not-seen", "A page Parley has not seen yet (created on first embed)"),
]


def sign_in_token(user_id: str, site: str) -> str:
    """What the publisher's server does for its signed-in reader: a short-lived JWT."""
    user = USERS[user_id]
    now = int(time.time())
    claims = {
        "sub": user_id,
        "aud": site,
        "name": user["name"],
        "email": user["email"],
        "entitlement": {"subscriber": user["subscriber"], "plan": "digital"},
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, SECRET, algorithm="HS256")


class Publisher(BaseHTTPRequestHandler):
    parley = "http://127.0.0.1:8000"
    site = "demo"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _user(self) -> str | None:
        jar = cookies.SimpleCookie(self.headers.get("Cookie", ""))
        value = jar["publisher_user"].value if "publisher_user" in jar else None
        return value if value in USERS else None

    def _send(self, status: int, body: str, kind: str = "text/html", headers=()) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _page(self, template: str, **values: str) -> str:
        text = (HERE / template).read_text(encoding="utf-8")
        user = self._user()
        values = {
            "parley": self.parley,
            "site": self.site,
            "origin": f"http://{self.headers.get('Host', '127.0.0.1:8001')}",
            "user_name": html.escape(USERS[user]["name"]) if user else "",
            "signed_in": "true" if user else "false",
            **values,
        }
        for name, value in values.items():
            text = text.replace("{{" + name + "}}", value)
        return text

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/":
            origin = f"http://{self.headers.get('Host', '127.0.0.1:8001')}"
            items = "\n".join(
                f'<li><a href="/articles/{slug}.html">{html.escape(title)}</a> · '
                f'<span data-parley-count="{origin}/articles/{slug}.html"></span></li>'
                for slug, title in ARTICLES
            )
            return self._send(200, self._page("index.html", articles=items))
        if path.startswith("/articles/") and path.endswith(".html"):
            slug = path.removeprefix("/articles/").removesuffix(".html")
            title = dict(ARTICLES).get(slug)
            if title is None:
                return self._send(404, "No such article.", "text/plain")
            return self._send(200, self._page("article.html", slug=slug, title=html.escape(title)))
        if path == "/sso-token":
            user = self._user()
            token = sign_in_token(user, self.site) if user else None
            return self._send(200, json.dumps({"token": token}), "application/json")
        self._send(404, "Not found.", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(
            part.split("=", 1)
            for part in self.rfile.read(length).decode().split("&")
            if "=" in part
        )
        if self.path == "/login" and form.get("user") in USERS:
            cookie = f"publisher_user={form['user']}; Path=/; HttpOnly; SameSite=Lax"
        elif self.path == "/logout":
            cookie = "publisher_user=; Path=/; Max-Age=0"
        else:
            return self._send(400, "Bad request.", "text/plain")
        self._send(200, json.dumps({"ok": True}), "application/json", [("Set-Cookie", cookie)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--parley", default="http://127.0.0.1:8000")
    parser.add_argument("--site", default="demo")
    args = parser.parse_args()
    Publisher.parley = args.parley.rstrip("/")
    Publisher.site = args.site
    server = ThreadingHTTPServer((args.host, args.port), Publisher)
    print(f"  Example publisher page: http://{args.host}:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
