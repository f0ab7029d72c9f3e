"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts."""

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# Recipients at this domain are refused for good (550), as a real server refuses unknown users.
REFUSED_DOMAIN = "refused.example.org"


def free_port() -> int:
    """A port nothing listens on (the kernel's choice, released straight away)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: "RecordingSmtpServer") -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=message_from_bytes(envelope.original_content, policy=policy.default),
                login=session.auth_data.login.decode() if session.auth_data else None,
            )
        )
        return "250 Message accepted for delivery"


class Received:
    def __init__(self, mail_from, rcpt_tos, message: EmailMessage, login) -> None:
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.message = message
        self.login = login


class RecordingSmtpServer:
    """Start and stop it as a test needs; `received` keeps what it accepted."""

    def __init__(self, port: int, credentials: tuple[str, str] | None = None) -> None:
        self.port = port
        self.credentials = credentials
        self.received: list[Received] = []
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        expected = self.credentials
        if (
            expected is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == expected
        ):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    def start(self) -> "RecordingSmtpServer":
        options = {}
        if self.credentials is not None:
            options = {
                "authenticator": self._authenticate,
                # The test server has no certificate; the sender's STARTTLS is tested apart.
                "auth_require_tls": False,
            }
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **options
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
