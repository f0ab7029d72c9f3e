"""Helpers for browser tests: watching a page for errors, axe-core, signing in, screenshots.

Import them in a browser test; the fixtures that use them are in tests/e2e/conftest.py.
"""

import re
import weakref
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
FAILURE_SCREENSHOTS = ARTIFACTS / "failures"
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what public sector websites must meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_CSP_BINDING = "__dpsReportCspViolation"
_CSP_LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  window.{_CSP_BINDING}({{
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: event.documentURI,
  }});
}}, true);
"""


@dataclass
class PageLog:
    """What a page reported while a test drove it."""

    console: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[Error] = field(default_factory=list)
    csp_violations: list[dict] = field(default_factory=list)
    # Pages the main frame navigated to: an error status on one of these is the point of the
    # page (a 404 page), not a broken resource.
    documents: set[str] = field(default_factory=set)


_logs: "weakref.WeakKeyDictionary[Page, PageLog]" = weakref.WeakKeyDictionary()


def watch_context(context: BrowserContext) -> None:
    """Record console messages, uncaught errors and CSP violations of every page in `context`."""
    context.expose_binding(_CSP_BINDING, _report_csp_violation)
    context.add_init_script(script=_CSP_LISTENER)
    context.on("page", watch_page)


def watch_page(page: Page) -> PageLog:
    if page in _logs:
        return _logs[page]
    log = _logs[page] = PageLog()
    # Playwright needs handlers it can set attributes on: lambdas, not bound list methods.
    page.on("console", lambda message: log.console.append(message))
    page.on("pageerror", lambda error: log.page_errors.append(error))
    page.on(
        "framenavigated",
        lambda frame: log.documents.add(frame.url) if frame is page.main_frame else None,
    )
    return log


def _report_csp_violation(source: dict, violation: dict) -> None:
    watch_page(source["page"]).csp_violations.append(violation)


def page_log(page: Page) -> PageLog:
    if page not in _logs:
        raise LookupError("this page is not watched: make it with the `page` fixture")
    if not page.is_closed():
        # A round trip, so that events the page sent before now have been delivered.
        page.evaluate("0")
    return _logs[page]


def browser_problems(page: Page) -> list[str]:
    """CSP violations, uncaught JavaScript errors and console errors, one line each."""
    log = page_log(page)
    problems = [
        f"CSP violation: {v['directive']} blocked {v['blocked'] or 'inline code'}"
        f" on {v['page']} ({v['source'] or 'inline'}:{v['line']}) {v['sample'] or ''}".rstrip()
        for v in log.csp_violations
    ]
    problems += [f"JavaScript error: {error.message}\n{error.stack}" for error in log.page_errors]
    for message in log.console:
        if message.type != "error":
            continue
        where = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and where in log.documents:
            continue
        if "Content Security Policy" in message.text:
            problems.append(f"CSP violation (console): {message.text} at {where}")
        else:
            problems.append(f"Console error: {message.text} at {where}")
    return problems


def assert_no_browser_errors(page: Page) -> None:
    """Fail if the page broke its Content-Security-Policy, threw, or logged an error."""
    problems = browser_problems(page)
    assert not problems, "The browser reported problems:\n" + "\n".join(
        f"  - {problem}" for problem in problems
    )


@cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: Page, *, context: str | dict | None = None) -> list[dict]:
    """Run axe-core on the page (or the part `context` selects) against WCAG 2.2 A and AA."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern; the
    # portal's CSP would refuse a <script> tag.
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(_axe_source())
    if page.evaluate("typeof window.axe?.run") != "function":
        raise AssertionError("axe-core did not load into the page")
    return page.evaluate(
        """async ([context, tags]) => {
          const results = await axe.run(context ?? document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
          });
          return results.violations.map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            helpUrl: violation.helpUrl,
            nodes: violation.nodes.map((node) => ({
              target: node.target.join(" "),
              html: node.html,
              summary: node.failureSummary,
            })),
          }));
        }""",
        [context, WCAG_TAGS],
    )


def check_accessibility(page: Page, *, context: str | dict | None = None) -> None:
    """Fail with a readable list if axe-core finds WCAG 2.2 A or AA violations on the page,
    or if the page is wider than a phone's screen (assert_fits_narrow_screen)."""
    _assert_no_axe_violations(page, context=context)
    assert_fits_narrow_screen(page)


def _assert_no_axe_violations(page: Page, *, context: str | dict | None = None) -> None:
    violations = axe_violations(page, context=context)
    if not violations:
        return
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(
            f"  - {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"      at {node['target']}: {_one_line(node['html'])}")
            if node["summary"]:
                lines.append(f"        {_one_line(node['summary'])}")
    raise AssertionError("\n".join(lines))


# A phone's screen in CSS pixels (an iPhone's is 375 wide); below GOV.UK's tablet breakpoint.
NARROW_SCREEN = {"width": 375, "height": 800}

# The elements that end right of the screen, innermost first, each as a short selector. One
# inside an element that clips or scrolls its content (a visually hidden table head) does not
# widen the page, so it is left out.
_STICKING_OUT = """(limit) => {
  const width = document.documentElement.clientWidth;
  const clipped = (element) => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const selector = (element) => {
    const parts = [];
    for (let e = element; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + "#" + e.id); break; }
      part += [...e.classList].slice(0, 2).map((name) => "." + name).join("");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  // Where its box ends, or its content when that is wider (a line of text that cannot wrap).
  const rightEdge = (element) => {
    const box = element.getBoundingClientRect();
    if (getComputedStyle(element).overflowX !== "visible") return box.right;
    return Math.max(box.right, box.left + element.scrollWidth);
  };
  const wide = new Set(
    [...document.body.querySelectorAll("*")].filter((element) => {
      const box = element.getBoundingClientRect();
      return (box.width || box.height) && rightEdge(element) > width + 1 && !clipped(element);
    })
  );
  return [...wide]
    .filter((element) => ![...element.querySelectorAll("*")].some((inner) => wide.has(inner)))
    .slice(0, limit)
    .map((element) => ({
      selector: selector(element),
      right: Math.round(rightEdge(element)),
      text: element.textContent || "",
    }));
}"""

_AFTER_LAYOUT = (
    "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
)


def assert_fits_narrow_screen(page: Page) -> None:
    """Fail, naming the elements that stick out, if the page scrolls sideways on a phone.

    The page is shown 375 pixels wide, measured, and given back its own size: a test can call
    this on any page without changing what it sees next.
    """
    size = page.viewport_size
    page.set_viewport_size(NARROW_SCREEN)
    try:
        page.evaluate(_AFTER_LAYOUT)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] <= widths[1]:
            return
        lines = [
            f"{page.url} is {widths[0]} pixels wide on a {widths[1]}-pixel screen:"
            " it scrolls sideways. What sticks out:"
        ]
        for element in page.evaluate(_STICKING_OUT, 12):
            lines.append(
                f"  - {element['selector']} (right edge at {element['right']}px)"
                f" {_one_line(element['text'], 80)}".rstrip()
            )
        screenshot = save_screenshot(page, f"narrow-{page.url}", FAILURE_SCREENSHOTS)
        lines.append(f"  Screenshot: {screenshot}")
        raise AssertionError("\n".join(lines))
    finally:
        if size is not None:
            page.set_viewport_size(size)


def _one_line(text: str, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sign_in_as(page: Page, email: str, password: str) -> None:
    """Sign in through the form, as a person would, and wait for the page that follows."""
    page.goto("/account/sign-in")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    """Press the page's "Sign out" button and wait for the page that follows."""
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out", exact=True).click()


def save_screenshot(page: Page, name: str, directory: Path = SCREENSHOTS) -> Path:
    """Save a full-page PNG for a person to look at; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{safe_file_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def safe_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"
