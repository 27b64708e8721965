"""Lines of a document as repeated form fields: `lines-0-description`, `lines-0-quantity`,
… for an invoice, `lines-0-account_id`, `lines-0-debit`, … for a journal entry.

Blank lines are left out. The form's own buttons edit the lines without saving: `action`
"add-line" appends a blank line, "remove-<n>" drops line n. The API names a line's
error `lines.N.field`; the page names the field `lines-N-field` (a line's error without
a field goes to its first field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from atlas.web import forms

Line = dict[str, str]

ERROR_LINE = re.compile(r"^lines\.(\d+)(?:\.(\w+))?$")
ADD_LINE = "add-line"
REMOVE = "remove-"


@dataclass(frozen=True)
class RepeatedLines:
    fields: tuple[str, ...]

    def _match(self, key: str) -> tuple[int, str] | None:
        index, _, name = key.removeprefix("lines-").partition("-")
        if key.startswith("lines-") and index.isdigit() and name in self.fields:
            return int(index), name
        return None

    def posted(self, form: forms.FormData) -> list[Line]:
        """The posted lines in their order, blank ones left out."""
        rows: dict[int, Line] = {}
        for key, value in form.items():
            found = self._match(key)
            if found:
                rows.setdefault(found[0], {})[found[1]] = value
        return [rows[i] for i in sorted(rows) if any(rows[i].values())]

    def edited(self, form: forms.FormData) -> tuple[list[Line], str | None]:
        """The posted lines after the form's own action, and that action (None: none)."""
        lines = self.posted(form)
        action = form.get("action", "")
        if action == ADD_LINE:
            return [*lines, {}], action
        index = action.removeprefix(REMOVE)
        if action.startswith(REMOVE) and index.isdigit():
            return [line for i, line in enumerate(lines) if i != int(index)], action
        return lines, None

    def with_lines(self, form: forms.FormData, lines: list[Line]) -> forms.FormData:
        """The header fields of `form` and `lines` as numbered fields."""
        fields = {k: v for k, v in form.items() if not k.startswith("lines-") and k != "action"}
        for i, line in enumerate(lines):
            fields.update({f"lines-{i}-{name}": line.get(name, "") for name in self.fields})
        return fields

    def errors(self, errors: forms.FormErrors) -> forms.FormErrors:
        """The API's `lines.0.quantity` as the field's name, `lines-0-quantity`."""
        fields = {}
        for key, message in errors.fields.items():
            match = ERROR_LINE.match(key)
            fields[f"lines-{match[1]}-{match[2] or self.fields[0]}" if match else key] = message
        return forms.FormErrors(errors.message, fields, errors.status)
