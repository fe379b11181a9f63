"""reStructuredText: parsed with docutils (no file inclusion, no raw passthrough), split on its sections."""

from docutils import nodes
from docutils.core import publish_doctree

from ingestion.documents import LoadedDocument, SectionBuilder, title_from_name
from ingestion.text_cleaning import decode

# Quiet, safe parsing: unknown directives (e.g. Sphinx's) become system messages we drop, never errors;
# `.. include::` and `.. raw::` are disabled so a document cannot pull in files from the ingesting machine.
_SETTINGS = {
    "report_level": 5,
    "halt_level": 5,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "input_encoding": "unicode",
    "warning_stream": False,
    "doctitle_xform": True,
    "syntax_highlight": "none",
}
_SKIPPED = (nodes.system_message, nodes.comment, nodes.substitution_definition, nodes.target, nodes.raw)


def load(data: bytes, *, name: str) -> LoadedDocument:
    cleaned = decode(data)
    doctree = publish_doctree(cleaned.text, settings_overrides=_SETTINGS)
    title = doctree.get("title") or _first_title(doctree) or title_from_name(name)
    builder = SectionBuilder()
    if doctree.get("title"):
        builder.heading(1, doctree["title"])
    _walk(doctree, builder, level=2 if doctree.get("title") else 1)
    return LoadedDocument(title=title, sections=builder.finish(), notes=cleaned.notes)


def _walk(node: nodes.Element, builder: SectionBuilder, level: int) -> None:
    for child in node.children:
        if isinstance(child, _SKIPPED):
            continue
        if isinstance(child, nodes.section):
            heading = child.next_node(nodes.title)
            builder.heading(level, heading.astext() if heading else "")
            _walk(child, builder, level + 1)
            builder.end_section(level)
        elif isinstance(child, nodes.title):
            continue
        elif isinstance(child, (nodes.definition_list, nodes.option_list, nodes.field_list)):
            for term, description in _definitions(child):
                builder.add_definition(term, description)
        elif isinstance(child, nodes.Element):
            builder.add(_text(child))


def _definitions(node: nodes.Element) -> list[tuple[str, str]]:
    """A definition, option or field list's items as (term, description): "--onto <newbase>" and what it does."""
    pairs = []
    for item in node.children:
        if not isinstance(item, nodes.Element) or not item.children:
            continue
        *terms, description = [child for child in item.children if isinstance(child, nodes.Element)] or [item]
        term = ", ".join(" ".join(_text(t).split()) for t in terms if not isinstance(t, nodes.classifier))
        pairs.append((term, "\n".join(_text(part) for part in description.children if isinstance(part, nodes.Element))))
    return pairs


def _text(node: nodes.Element) -> str:
    if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
        return "\n".join("- " + _text(item).replace("\n", " ") for item in node.children if isinstance(item, nodes.Element))
    if isinstance(node, nodes.literal_block):
        return node.astext()
    for skipped in list(node.findall(lambda n: isinstance(n, _SKIPPED))):
        skipped.parent.remove(skipped)
    return node.astext()


def _first_title(doctree: nodes.document) -> str | None:
    title = doctree.next_node(nodes.title)
    return title.astext() if title else None
