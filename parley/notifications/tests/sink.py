"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can be told
to refuse, stall, or hold one message while a test kills the sender."""

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SinkHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.raw: list[bytes] = []
        self.refuse = 0  # refuse the next N messages with 451
        self.stall = 0.0  # seconds to wait before answering (then refuse, recording nothing)
        self.hold_at: int | None = None  # hold the message arriving when this many are in
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.hold_at is not None and len(self.received) == self.hold_at:
            self.hold_at = None
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
            return "451 4.3.0 Held and dropped by the test"
        if self.stall:
            await asyncio.sleep(self.stall)
            return "451 4.4.2 Too slow, try again"
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
            self.raw.append(envelope.original_content or envelope.content)
        return "250 2.0.0 OK"


class SMTPSink:
    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SMTPSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return [message for _rcpt, message in self.handler.received]

    @property
    def envelopes(self) -> list[tuple[list[str], EmailMessage]]:
        with self.handler.lock:
            return list(self.handler.received)

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.handler.received) >= count:
                return True
            time.sleep(0.02)
        return False

    def mailer_settings(self, timeout: float = 5.0) -> dict:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": timeout},
            }
        }
