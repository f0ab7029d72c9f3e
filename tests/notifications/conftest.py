import pytest

from tests.notifications.smtp_server import RecordingSmtpServer, free_port


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_config(smtp_port):
    """Every test here sends to 127.0.0.1:smtp_port, where a test may start a server."""
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_TIMEOUT": 5,
        "MAIL_FROM": "no-reply@dps.example.gov.uk",
        "EXTERNAL_URL": "https://dps.example.gov.uk",
    }


@pytest.fixture
def smtp_server(smtp_port):
    """A real SMTP server, listening on smtp_port for the whole test."""
    server = RecordingSmtpServer(smtp_port).start()
    yield server
    server.stop()


@pytest.fixture
def idle_smtp_server(smtp_port):
    """A server a test starts when it wants one: until then nothing listens on the port."""
    server = RecordingSmtpServer(smtp_port)
    yield server
    server.stop()
