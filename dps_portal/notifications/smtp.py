"""Sending email by SMTP with the standard library, configured from the app's settings."""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None
    timeout: float
    mail_from: str

    @classmethod
    def from_config(cls, config) -> "SmtpSettings | None":
        """The settings, or None when no SMTP server is configured (the demo)."""
        if not config.get("SMTP_HOST"):
            return None
        return cls(
            host=config["SMTP_HOST"],
            port=int(config["SMTP_PORT"]),
            starttls=bool(config["SMTP_STARTTLS"]),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            timeout=float(config["SMTP_TIMEOUT"]),
            mail_from=config["MAIL_FROM"],
        )

    @property
    def mail_domain(self) -> str:
        return self.mail_from.rpartition("@")[2].strip(">") or "localhost"


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes


def build_message(
    *,
    mail_from: str,
    to_address: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachment: Attachment | None = None,
    message_id: str,
    sent_at: datetime,
) -> EmailMessage:
    """A MIME message: plain text, the HTML alternative if any, then the attachment if any."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to_address
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(sent_at)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        maintype, _, subtype = attachment.media_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


class SmtpUnavailable(Exception):
    """The server could not be used at all: not reached, no STARTTLS, or sign-in refused."""


class SmtpSender:
    """One connection to the SMTP server, opened on the first message and reopened after an
    error. Use it as a context manager so the connection is closed at the end."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_app(cls) -> "SmtpSender | None":
        settings = SmtpSettings.from_config(current_app.config)
        return None if settings is None else cls(settings)

    def __enter__(self) -> "SmtpSender":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        try:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        except OSError as error:
            raise SmtpUnavailable(f"{type(error).__name__}: {error}") from error
        try:
            connection.ehlo()
            if settings.starttls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if settings.username:
                connection.login(settings.username, settings.password or "")
        except OSError as error:
            connection.close()
            raise SmtpUnavailable(f"{type(error).__name__}: {error}") from error
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        """Send one message. Raises SmtpUnavailable when the server cannot be used at all,
        and smtplib's errors (OSErrors) when it refuses or drops this message."""
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
