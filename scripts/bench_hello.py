"""The benchmark's yardstick: the least a Flask app can do, served like the portal.

`gunicorn --chdir scripts bench_hello:app` (scripts/bench starts it)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello"
