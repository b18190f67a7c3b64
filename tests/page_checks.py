"""What every page must be, checked on its HTML: a title that names the page, exactly
one <h1> with text, no template value leaking ("None", "undefined", "{{", "%("), and on
an English page no US-style date. Used by the browser suite on every page and journey step,
and by the integration tests on every question page in every locale."""

from __future__ import annotations

import re
from html import unescape
from typing import Any, Protocol

LEAKS = re.compile(r"\bNone\b|\bundefined\b|\{\{|\{%|%\(")
US_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}\b"
)


def visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def assert_page_checks_itself(html: str, where: str, *, english: bool) -> None:
    headings = re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert len(headings) == 1, f"{where}: {len(headings)} <h1>"
    assert visible_text(headings[0]).strip(), f"{where}: empty <h1>"
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None, where
    naming_the_page = re.split(r"\s+[–-]\s+", unescape(title.group(1)).strip())[0]
    assert naming_the_page.removeprefix("Error:").strip(), f"{where}: title {title.group(1)!r}"
    text = visible_text(html)
    assert not LEAKS.search(text), f"{where}: {LEAKS.search(text)}"
    if english:
        assert not US_DATE.search(text), f"{where}: US-style date {US_DATE.search(text)}"


# The layout as a person sees it at one width, checked in the page by one script (one
# round trip a width): the browser suite runs it on every back-office page, for each
# role, in each language, at each of LAYOUT_WIDTHS. It answers a list of problems, each
# naming the element at fault, so a failure says what to fix.
LAYOUT_CHECK = r"""() => {
  const problems = [];
  const width = window.innerWidth;
  const name = (el) => {
    let said = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    said += [...el.classList].slice(0, 2).map((c) => '.' + c).join('');
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ');
    return text ? `${said} "${text.slice(0, 50)}"` : said;
  };
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1 && getComputedStyle(el).visibility !== 'hidden';
  };
  // A deliberate scroll region: named, in the tab order and announced as a region, so a
  // keyboard user can reach it and scroll it (GOV.UK's advice for wide tables).
  const scrollRegion = (el) => el.getAttribute('role') === 'region'
    && el.getAttribute('tabindex') === '0'
    && Boolean((el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || '').trim());
  const clips = (style) => style.overflowX !== 'visible';
  // Whether a box that scrolls or clips holds el in: only one el is laid out in counts, so
  // an absolutely placed element (a visually hidden span) escapes a box that is not
  // positioned, and a fixed one escapes every box.
  const heldIn = (el) => {
    let position = getComputedStyle(el).position;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (position === 'fixed') return false;
      if (position === 'absolute' && style.position === 'static') continue;
      if (clips(style)) return true;
      position = style.position;
    }
    return false;
  };
  const everything = [...document.body.querySelectorAll('*')];

  // 1. No sideways scroll of the page: name what sticks out, outermost first.
  const page = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  if (page > width) {
    const past = new Set(everything.filter((el) => {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || (box.right <= width + 0.5 && box.left >= -0.5)) return false;
      return !heldIn(el);
    }));
    let culprits = [...past].filter((el) => !past.has(el.parentElement)).map((el) => {
      const box = el.getBoundingClientRect();
      return `${name(el)} (${Math.round(box.left)} to ${Math.round(box.right)} px)`;
    });
    if (!culprits.length) {  // no box sticks out: text overflows the box it is in
      culprits = everything.filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.left + el.scrollWidth > width + 0.5 && !heldIn(el)
          && [...el.children].every((child) => child.getBoundingClientRect().left
            + child.scrollWidth <= width + 0.5);
      }).map((el) => `the text of ${name(el)} (${el.scrollWidth} px in ${el.clientWidth} px)`);
    }
    culprits = culprits.slice(0, 3);
    problems.push(`the page scrolls sideways: ${page} px wide in a ${width} px window; `
      + `sticking out: ${culprits.join('; ') || 'nothing found'}`);
  }

  // 2. Whatever scrolls sideways inside the page is a region a keyboard can scroll; nothing
  //    is cut off by a box that hides what does not fit.
  for (const el of everything) {
    if (el.scrollWidth <= el.clientWidth + 1 || !shown(el)) continue;
    if (el.matches('input, select, textarea, .govuk-visually-hidden, .govuk-visually-hidden-focusable')) continue;
    const style = getComputedStyle(el);
    if (!clips(style)) continue;
    const wide = `${el.scrollWidth} px of content in ${el.clientWidth} px`;
    if (style.overflowX === 'auto' || style.overflowX === 'scroll') {
      if (!scrollRegion(el)) {
        problems.push(`${name(el)} scrolls sideways (${wide}) but is not a scroll region `
          + `a keyboard can reach (role="region", aria-label and tabindex="0")`);
      }
    } else if (style.textOverflow !== 'ellipsis') {
      problems.push(`${name(el)} cuts off its content (${wide}, overflow ${style.overflowX})`);
    }
  }

  // 3. One heading, a title, and no markup or Python's None shown as text.
  const headings = document.querySelectorAll('h1');
  if (headings.length !== 1) problems.push(`${headings.length} h1 elements`);
  else if (!headings[0].innerText.trim()) problems.push('the h1 is empty');
  if (!document.title.trim()) problems.push('no title');
  const text = document.body.innerText;
  const leak = /<span|<a |&lt;|\bNone\b/.exec(text);
  if (leak) {
    const around = text.slice(Math.max(0, leak.index - 40), leak.index + 40).replace(/\s+/g, ' ');
    problems.push(`"${leak[0]}" shown as text: "…${around}…"`);
  }

  // 4. Nothing laid over the heading, the first table cell or the first button: what the
  //    browser finds at the centre of each is the element itself or inside it.
  const first = (selector) => [...document.querySelectorAll(selector)].find(shown);
  const targets = [
    ['the h1', headings[0]],
    ['the first table cell', first('th, td')],
    ['the first button', first('button, input[type=submit], input[type=button], .govuk-button')],
  ];
  for (const [what, el] of targets) {
    if (!el || !shown(el)) continue;
    el.scrollIntoView({block: 'center', inline: 'center'});
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    if (x < 0 || x > width || y < 0 || y > window.innerHeight) {
      problems.push(`${what}, ${name(el)}, cannot be scrolled into the window`);
    } else if (!hit || !(hit === el || el.contains(hit))) {
      problems.push(`${what}, ${name(el)}, is covered by ${hit ? name(hit) : 'nothing'}`);
    }
  }
  window.scrollTo(0, 0);
  return problems;
}"""

# Widths a person uses: a laptop (1280 x 720), the same laptop zoomed to 200 % (640 x 360),
# and a small phone, where WCAG 1.4.10 asks for no sideways scroll (320 x 568).
LAYOUT_WIDTHS = {1280: 720, 640: 360, 320: 568}


class ViewportPage(Protocol):
    """What the layout checks need of a Playwright page."""

    def set_viewport_size(self, viewport_size: Any) -> None: ...

    def evaluate(self, expression: str, arg: Any = None) -> Any: ...


def layout_problems(page: ViewportPage, where: str) -> list[str]:
    """LAYOUT_CHECK at each width (the same page resized: no reload), each problem
    prefixed with `where` and the width."""
    found = []
    for width, height in LAYOUT_WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        found += [f"{where} at {width} px: {problem}" for problem in page.evaluate(LAYOUT_CHECK)]
    return found
