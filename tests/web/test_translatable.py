"""Every text the pages show goes through the one translation function (`atlas.web.i18n`).

Templates: once the Jinja tags are masked, the text between tags and the attributes a
person reads hold no letter, and the Jinja expressions' string constants that look like
words (a capital then a small letter, or two words) are arguments of `_()`/`ngettext`.
Python: a literal that reaches a page's message, label or title, an error raised by the
pages, or a table of texts fixed at import time is marked (`_`, `N_`, `gettext`,
`ngettext`). The scripts of `static/` show no text of their own (the confirm question is
the form's `data-confirm`, which its template translates).
"""

from __future__ import annotations

import ast
import inspect
import re
import unicodedata
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

from jinja2 import nodes

from atlas import errors
from atlas.web.render import TEMPLATES, templates

WEB = TEMPLATES.parent
# Not language: the product's name.
ALLOWED = {"Atlas ERP"}
# Attributes a person reads (or hears); `value` only on buttons.
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}
MASK = "\u2423"  # stands for each character of a Jinja tag: not a letter, offsets kept
# Not language either: an address (`/w/{{ slug }}`), and the attributes a macro writes
# into the tag it is called in (`aria-invalid="true"`).
NOT_LANGUAGE = re.compile(rf'\s*/[\w/{MASK}-]*\s*|(\s|{MASK}|[\w-]+="[^"]*")*')
TRANSLATORS = {"_", "gettext", "ngettext", "N_"}
# The pages' environment, lexing the source as it is (no whitespace control), so that the
# masked template keeps every character's place.
RAW = templates.env.overlay(trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
# The parameters of the pages' functions that carry a text to show.
MESSAGE_PARAMETERS = {"message", "done", "label", "title", "text", "one", "many", "blank"}
# A list's CSV columns keep fixed English headers, as the file keeps machine formats
# (and a type variable's bound names a class).
NOT_SHOWN_ON_PAGES = {"Column", "TypeVar"}


def _letters(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def _words(text: str) -> bool:
    """A capitalised word or two words: a field name, a CSS class, a path or a key is neither."""
    return bool(re.search(r"[A-Z][a-z]|[a-z]\s+[a-z]", text)) and text not in ALLOWED


# Templates.


def masked(source: str) -> str:
    """The template with each character of its `{{ }}`, `{% %}` and `{# #}` tags replaced
    by MASK, but newlines: lines and offsets stay those of the source."""
    out: list[str] = []
    depth = 0
    at = 0
    for _lineno, kind, value in RAW.lexer.tokeniter(source, None):
        # What a `-` of a tag strips is skipped by the lexer: kept here, as it is blank.
        found = source.index(value, at)
        out.append(source[at:found])
        if kind.endswith("_begin"):
            depth += 1
        out.append(value if kind == "data" and not depth else re.sub(r"[^\n]", MASK, value))
        if kind.endswith("_end"):
            depth -= 1
        at = found + len(value)
    out.append(source[at:])
    return "".join(out)


class _Texts(HTMLParser):
    """The text nodes and read attributes of a masked template, with their lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        kind = dict(attrs).get("type")
        for name, value in attrs:
            button = name == "value" and tag == "input" and kind in BUTTON_TYPES
            if value and (name in READ_ATTRIBUTES or button):
                self.found.append((self.getpos()[0], f"{name}=", value))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.found.append((self.getpos()[0], "", data))


def untranslated_texts(source: str, name: str) -> Iterator[str]:
    parser = _Texts()
    parser.feed(masked(source))
    parser.close()
    for line, attribute, text in parser.found:
        if NOT_LANGUAGE.fullmatch(text):
            continue
        shown = " ".join(text.replace(MASK, " ").split())
        if _letters(re.sub("|".join(ALLOWED), "", shown)):
            first = next(i for i, ch in enumerate(text) if _letters(ch))
            yield f"{name}:{line + text.count(chr(10), 0, first)}: {attribute}{shown}"


def untranslated_constants(source: str, name: str) -> Iterator[str]:
    tree = templates.env.parse(source)
    translated = {
        id(const)
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name in TRANSLATORS
        for arg in call.args
        for const in (arg, *arg.find_all(nodes.Const))
    }
    for const in tree.find_all(nodes.Const):
        value = const.value
        if isinstance(value, str) and id(const) not in translated and _words(value):
            yield f"{name}:{const.lineno}: {value!r}"


def _templates() -> Iterator[tuple[str, str]]:
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield path.read_text(), str(path.relative_to(TEMPLATES))


def test_every_template_text_goes_through_the_translation_function() -> None:
    found = [text for source, name in _templates() for text in untranslated_texts(source, name)]
    assert found == [], "untranslated template texts:\n" + "\n".join(found)


def test_every_worded_constant_of_a_template_goes_through_the_translation_function() -> None:
    found = [t for source, name in _templates() for t in untranslated_constants(source, name)]
    assert found == [], "untranslated template constants:\n" + "\n".join(found)


def test_no_template_hides_the_translation_function_behind_a_variable() -> None:
    """`{% for _ in … %}` would make every `_()` of the loop call a value."""
    found = [
        f"{name}:{target.lineno}: {target.name}"
        for source, name in _templates()
        for node in templates.env.parse(source).find_all((nodes.For, nodes.Assign))
        for target in (node.target, *node.target.find_all(nodes.Name))
        if isinstance(target, nodes.Name) and target.name in TRANSLATORS
    ]
    assert found == []


def test_the_template_scan_finds_texts_read_attributes_and_worded_constants() -> None:
    source = (
        '<p title="{{ _("Fine") }}">{{ _("Fine") }} {{ x }} · 12 %</p>\n'
        '<p>Plain {{ x }}</p><input type="submit" value="Go" name="go" placeholder="{{ y }}">\n'
        '<a aria-label="Open it" class="button wide">→</a><script>var s = "Hidden";</script>\n'
        '{{ ui.input("name", "Label", form) }}{{ _("%(n)s found", n="two words") }}\n'
        '<span>Atlas ERP</span><i>{# A comment #}</i>{% set k = "plain_key" %}\n'
    )
    assert list(untranslated_texts(source, "t.html")) == [
        "t.html:2: Plain",
        "t.html:2: value=Go",
        "t.html:3: aria-label=Open it",
    ]
    # A placeholder's value is shown as it is: a worded one needs its own `_()`.
    assert list(untranslated_constants(source, "t.html")) == [
        "t.html:4: 'Label'",
        "t.html:4: 'two words'",
    ]


# Python.


def _parameters(tree: ast.Module) -> dict[tuple[str, bool], list[str]]:
    """The parameter names of the pages' functions, methods and error classes, keyed by
    (name, whether called on an object)."""
    found: dict[tuple[str, bool], list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            init = next(
                (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
                None,
            )
            fields = [n.target.id for n in node.body if isinstance(n, ast.AnnAssign)]
            names = [a.arg for a in init.args.args[1:]] if init else fields
            found[(node.name, False)] = found[(node.name, True)] = names
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    found[(method.name, True)] = [a.arg for a in method.args.args[1:]]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [a.arg for a in node.args.args]
            found.setdefault((node.name, False), names)
            found.setdefault((node.name, True), names)
    return found


def _error_parameters() -> dict[tuple[str, bool], list[str]]:
    found: dict[tuple[str, bool], list[str]] = {}
    for name, value in vars(errors).items():
        if inspect.isclass(value) and issubclass(value, errors.AtlasError):
            params = list(inspect.signature(value).parameters)
            found[(name, False)] = found[(name, True)] = params
    return found


def _worded(node: ast.expr, words: Callable[[str], bool] = _words) -> bool:
    """A literal text, or one built from literal pieces, not marked for translation."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and words(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_worded(part, _letters) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _worded(node.left, words) or _worded(node.right, words)
    if isinstance(node, ast.IfExp):
        return _worded(node.body, words) or _worded(node.orelse, words)
    if isinstance(node, ast.BoolOp):
        return any(_worded(value, words) for value in node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _worded(node.func.value, words)
    return False


def _callee(call: ast.Call) -> tuple[str, bool] | None:
    if isinstance(call.func, ast.Name):
        return call.func.id, False
    if isinstance(call.func, ast.Attribute):
        return call.func.attr, True
    return None


def untranslated_python(
    source: str, name: str, known: dict[tuple[str, bool], list[str]]
) -> Iterator[str]:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (callee := _callee(node)):
            if callee[0] in TRANSLATORS | NOT_SHOWN_ON_PAGES:
                continue
            params = known.get(callee, [])
            passed = [
                *zip(params, node.args, strict=False),
                *((kw.arg, kw.value) for kw in node.keywords),
            ]
            for param, arg in passed:
                # What reaches a message is shown: any letter of it is language.
                if param in MESSAGE_PARAMETERS and _worded(arg, _letters):
                    yield f"{name}:{arg.lineno}: {callee[0]}({param}={ast.unparse(arg)})"
    # Tables of texts fixed at import time (`AREAS`, `TITLES`): marked with N_.
    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if statement.value is None or not all(
                isinstance(t, ast.Name) and t.id.isupper() for t in targets
            ):
                continue
            marked = {
                id(c)
                for call in ast.walk(statement.value)
                if isinstance(call, ast.Call)
                and (_callee(call) or ("", False))[0] in TRANSLATORS | NOT_SHOWN_ON_PAGES
                for c in ast.walk(call)
            }
            for const in ast.walk(statement.value):
                if isinstance(const, ast.Constant) and id(const) not in marked and _worded(const):
                    yield f"{name}:{const.lineno}: {const.value!r}"


def _python() -> Iterator[tuple[str, str]]:
    for path in sorted(WEB.rglob("*.py")):
        yield path.read_text(), str(path.relative_to(WEB.parent))


def _known() -> dict[tuple[str, bool], list[str]]:
    known = _error_parameters()
    for source, _name in _python():
        known.update(_parameters(ast.parse(source)))
    return known


def test_every_python_text_of_the_pages_goes_through_the_translation_function() -> None:
    known = _known()
    found = [t for source, name in _python() for t in untranslated_python(source, name, known)]
    assert found == [], "untranslated page texts in Python:\n" + "\n".join(found)


def test_the_python_scan_finds_messages_labels_errors_and_tables() -> None:
    source = """
TITLES = {404: N_("Page not found"), 500: "Server error"}
PATHS = {"invoice": "/invoices/", "kind": "draft_invoice"}
COLUMNS = [Column("Due date", lambda r: r)]
def shown(page, x):
    page.redirect("/back", "Saved.")
    page.redirect("/back", page._("Saved."))
    page.redirect(page.url("/x"), message=f"Task {x} moved.", kind="error")
    page.redirect("/back", page._("Task %(key)s moved.") % {"key": x})
    Crumb(f"{x.code} · {x.name}")
    Crumb("Edit")
    Crumb(x.number or "Draft")
    raise Invalid("Choose a row.", code="no_rows")
"""
    known = {**_error_parameters(), **_known()}
    assert list(untranslated_python(source, "m.py", known)) == [
        "m.py:6: redirect(message='Saved.')",
        "m.py:8: redirect(message=f'Task {x} moved.')",
        "m.py:11: Crumb(label='Edit')",
        "m.py:12: Crumb(label=x.number or 'Draft')",
        "m.py:13: Invalid(message='Choose a row.')",
        "m.py:2: 'Server error'",
    ]
