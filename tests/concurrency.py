"""Two people pressing the same button at the same moment, each from their own browser.

`at_once` sends the requests from threads, each through its own client (its own session and
database connection, as two workers would), and holds every request for a moment inside the
operation, after it has read the object and before it writes: without a lock, each would read
the state the other is about to change, and both would succeed.
"""

import threading
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

PAUSE = 0.4


def pausing(function: Callable) -> Callable:
    """`function`, called after a pause (to patch into an operation between read and write)."""

    def paused(*args, **kwargs):
        time.sleep(PAUSE)
        return function(*args, **kwargs)

    return paused


def at_once(app: Flask, posts: list[tuple[Callable[[FlaskClient], None], str, dict]]) -> list:
    """POST each (sign_in, url, data) from its own client in its own thread, all released
    together; the pages they end on (redirects followed), in the same order."""
    barrier = threading.Barrier(len(posts))
    responses: list = [None] * len(posts)

    def send(index: int, sign_in: Callable[[FlaskClient], None], url: str, data: dict) -> None:
        try:
            with app.app_context():
                client = app.test_client()
                sign_in(client)
            barrier.wait()
            responses[index] = client.post(url, data=data, follow_redirects=True)
        except BaseException as error:  # the caller's assertion reports it
            responses[index] = error
            barrier.abort()

    threads = [
        threading.Thread(target=send, args=(index, *post)) for index, post in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses
