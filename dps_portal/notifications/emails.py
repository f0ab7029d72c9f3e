"""Rendering emails from templates/emails/, and the absolute links they carry."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from jinja2 import TemplateNotFound
from markupsafe import Markup

LAYOUT_TEXT = "emails/_layout.txt"
LAYOUT_HTML = "emails/_layout.html"


@dataclass(frozen=True)
class RenderedEmail:
    text: str
    html: str | None


def _url_adapter():
    base = urlsplit(current_app.config["EXTERNAL_URL"])
    return current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on EXTERNAL_URL for an endpoint, with or without a request.

    Emails are rendered by jobs as well as by requests, and a link must point to the public
    address, not to whichever host the request came in on."""
    return _url_adapter().build(endpoint, values, force_external=True)


def portal_path(endpoint: str, **values) -> str:
    """The path of an endpoint ("/admin/outbox"), with or without a request."""
    return _url_adapter().build(endpoint, values, force_external=False)


def is_portal_path(link: str) -> bool:
    """A link that stays inside the portal: a path, never another site or a script."""
    return link.startswith("/") and not link.startswith(("//", "/\\"))


def absolute_url(path: str) -> str:
    """A portal path as url_for gives it ("/tenders/3") as an absolute URL on EXTERNAL_URL."""
    if not is_portal_path(path):
        raise ValueError(f"not a path inside the portal: {path!r}")
    base = urlsplit(current_app.config["EXTERNAL_URL"])
    return f"{base.scheme or 'https'}://{base.netloc}{path}"


def render_email(template: str, context: dict) -> RenderedEmail:
    """The text (required) and HTML (optional) bodies, each wrapped in the emails' layout."""
    env = current_app.jinja_env
    context = {
        **context,
        "service_name": current_app.config["SERVICE_NAME"],
        "external_url": external_url,
        "absolute_url": absolute_url,
    }
    text_content = env.get_template(f"emails/{template}.txt").render(context).strip()
    text = env.get_template(LAYOUT_TEXT).render(context, content=text_content).strip() + "\n"
    try:
        html_template = env.get_template(f"emails/{template}.html")
    except TemplateNotFound:
        return RenderedEmail(text=text, html=None)
    html_content = Markup(html_template.render(context))  # noqa: S704  # nosec B704  # autoescaped .html
    html = env.get_template(LAYOUT_HTML).render(context, content=html_content)
    return RenderedEmail(text=text, html=html)
