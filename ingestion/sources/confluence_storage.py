"""Confluence's storage format (XHTML with `ac:` macros and `ri:` resources) as plain HTML for the HTML loader.

What carries text is kept: a code or noformat macro's body becomes `<pre>`, a panel's or an expand's rich
body its content, a link its text. Macro parameters (a code block's language, a panel's colour) and
resource references (images, attachments) carry none and are dropped.
"""

import html
import re

_CDATA_BODY = re.compile(r"<ac:plain-text-body>\s*<!\[CDATA\[(.*?)\]\]>\s*</ac:plain-text-body>", re.DOTALL)
_PARAMETER = re.compile(r"<ac:parameter\b[^>]*>.*?</ac:parameter>", re.DOTALL)
_LINK_BODY = re.compile(r"<ac:plain-text-link-body>\s*<!\[CDATA\[(.*?)\]\]>\s*</ac:plain-text-link-body>", re.DOTALL)
_RESOURCE = re.compile(r"<ri:[^>]*/>|<ri:[^>]*>.*?</ri:[^>]*>", re.DOTALL)
_MACRO_TAG = re.compile(r"</?ac:[a-z-]+\b[^>]*>")


def storage_to_html(title: str, storage: str) -> bytes:
    """A whole HTML page: `title` (the page's path in the space's tree, "Runbooks / Deploys") in <title> and as
    its first heading, so it heads every section; the body rendered from storage format."""
    body = _CDATA_BODY.sub(lambda match: f"<pre>{html.escape(match.group(1))}</pre>", storage)
    body = _LINK_BODY.sub(lambda match: html.escape(match.group(1)), body)
    body = _PARAMETER.sub("", body)
    body = _RESOURCE.sub("", body)
    body = _MACRO_TAG.sub("", body)  # rich-text bodies, layouts, task lists: their content stays
    shown = html.escape(title)
    return f"<html><head><meta charset=\"utf-8\"><title>{shown}</title></head><body><main><h1>{shown}</h1>{body}</main></body></html>".encode()
