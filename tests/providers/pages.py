"""Reading a rendered form back: what each input holds, which radios are checked."""

from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def inputs(page: str) -> list[dict[str, str | None]]:
    parser = _Inputs()
    parser.feed(page)
    return parser.inputs


def value_of(page: str, name: str) -> str | None:
    """The value of the text input called `name` (the first, for a date's day box)."""
    for attrs in inputs(page):
        if attrs.get("name") == name and attrs.get("type") != "radio":
            return attrs.get("value")
    raise AssertionError(f"no input called {name}")


def date_parts(page: str, name: str) -> list[str | None]:
    return [attrs.get("value") for attrs in inputs(page) if attrs.get("name") == name]


def checked(page: str, name: str) -> str | None:
    """The value of the checked radio called `name`, or None."""
    values = [
        attrs.get("value")
        for attrs in inputs(page)
        if attrs.get("name") == name and attrs.get("type") == "radio" and "checked" in attrs
    ]
    assert len(values) <= 1
    return values[0] if values else None
