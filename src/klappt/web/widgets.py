"""The inputs of the questionnaire as HTML, built in Python (every text escaped).

The form page holds a few hundred inputs; building them here instead of with one template
include per question makes the page about five times faster to render. Accessibility is the
same as a template would give: every input labelled (``<label for>``, ``<legend>`` or
``aria-labelledby`` in grids), hints and errors tied with ``aria-describedby``, problems marked
with ``aria-invalid``, required questions with ``aria-required`` and a visible ``*``.

Every question has an error slot (``q-…-error``, empty and hidden until there is a problem), so
that the browser's live checks fill the same element the server's checks do. ``${q}`` in a label
is a span holding the answer it names (:class:`klappt.web.formbind._Refs`).
"""

from __future__ import annotations

from typing import Any

from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_INPUTS = {
    "integer": ' type="text" inputmode="numeric" class="short"',
    "decimal": ' type="text" inputmode="decimal" class="short"',
    "date": ' type="date" class="short"',
    "time": ' type="time" class="short"',
    "datetime": ' type="datetime-local"',
}


def _attrs(b: Any, required: bool = True) -> str:
    out = ""
    if b.describedby:
        out += f' aria-describedby="{escape(b.describedby)}"'
    if required and b.required:
        out += ' aria-required="true"'
    if b.errors:
        out += ' aria-invalid="true"'
    return out


def _required_mark(b: Any) -> str:
    if not b.required:
        return ""
    said = escape(_("required"))  # outside the f-string: xgettext does not look into one
    return f'<span class="req" aria-hidden="true"> *</span><span class="sr"> ({said})</span>'


def _hint(b: Any) -> str:
    return f'<p class="hint" id="{escape(b.id)}-hint">{b.hint_html}</p>' if b.hint else ""


def _errors(b: Any, tag: str = "p") -> str:
    hidden = "" if b.errors else " hidden"
    label = escape(_("Error:"))
    text = " ".join(f'<span class="sr">{label} </span>{escape(e)}' for e in b.errors)
    return f'<{tag} class="error" id="{escape(b.id)}-error"{hidden}>{text}</{tag}>'


def _wrap_open(b: Any, extra: str = "") -> str:
    classes = "q" + (" has-error" if b.errors else "") + (" q-other" if b.other_for else "") + extra
    hidden = " hidden" if b.hidden else ""
    return f'<div class="{classes}" data-q="{escape(b.name)}"{hidden}>'


def field(b: Any) -> SafeString:
    """One question (a :class:`~klappt.web.formbind.Bound`) with its label, hint and problems."""
    w = b.widget
    if w == "note":
        hint = f'<p class="hint">{b.hint_html}</p>' if b.hint else ""
        hidden = " hidden" if b.hidden else ""
        body = linebreaks(b.label_html)
        return mark_safe(
            f'<div class="q note" data-q="{escape(b.name)}"{hidden}>{body}{hint}</div>'
        )
    if w in ("radio", "likert", "checkbox", "acknowledge"):
        return mark_safe(_choices(b))
    if w == "locked":
        return mark_safe(_locked(b))
    parts = [
        _wrap_open(b),
        f'<label for="{escape(b.id)}" class="qlabel">{b.label_html}{_required_mark(b)}</label>',
        _hint(b),
        _errors(b),
    ]
    name, fid = escape(b.name), escape(b.id)
    if w == "dropdown":
        choose = escape(_("– please choose –"))  # outside the f-string, for xgettext
        opts = [f'<option value="">{choose}</option>']
        for o in b.options:
            sel = " selected" if o["checked"] else ""
            off = " hidden disabled" if o["hidden"] else ""
            opts.append(
                f'<option value="{escape(o["name"])}"{sel}{off}>{escape(o["label"])}</option>'
            )
        parts.append(f'<select name="{name}" id="{fid}"{_attrs(b)}>{"".join(opts)}</select>')
    elif w == "textarea":
        parts.append(
            f'<textarea name="{name}" id="{fid}" rows="5"{_attrs(b)}>\n{escape(b.value)}</textarea>'
        )
    elif w == "unsupported":
        text = _(
            "This kind of question cannot be answered online; please send the answer to the program office."
        )
        parts.append(f'<p class="note" id="{fid}">{escape(text)}</p>')
    else:
        kind = _INPUTS.get(w, ' type="text"')
        parts.append(
            f'<input name="{name}" id="{fid}" value="{escape(b.value)}" autocomplete="off"{kind}{_attrs(b)}>'
        )
    parts.append("</div>")
    return mark_safe("".join(parts))


def _locked(b: Any) -> str:
    """An answer the register fixes on this site's link: shown, kept, not offered to change."""
    shown = dict(b.spec.choices).get(b.value, b.value) if b.spec.choices else b.display
    note = escape(_("From the register; it cannot be changed on this link."))
    fid, name = escape(b.id), escape(b.name)
    return (
        f'{_wrap_open(b, " q-locked")}<p class="qlabel" id="{fid}-label">{b.label_html}</p>'
        f'<p class="locked-value" id="{fid}" aria-describedby="{fid}-hint">{escape(shown)}</p>'
        f'<p class="hint" id="{fid}-hint">{note}</p>'
        f'<input type="hidden" name="{name}" value="{escape(b.value)}"></div>'
    )


def _choices(b: Any) -> str:
    w = b.widget
    role = (
        ' role="radiogroup"' + (' aria-required="true"' if b.required else "")
        if w in ("radio", "likert")
        else ""
    )
    described = f' aria-describedby="{escape(b.describedby)}"' if b.describedby else ""
    invalid = ' aria-invalid="true"' if b.errors else ""
    parts = [
        _wrap_open(b),
        f'<fieldset id="{escape(b.id)}" tabindex="-1" class="{w}"{described}{role}>',
        f"<legend>{b.label_html}{_required_mark(b)}</legend>",
        _hint(b),
        _errors(b),
        f'<div class="options{" likert-options" if w == "likert" else ""}">',
    ]
    name = escape(b.name)
    if w == "acknowledge":
        checked = " checked" if b.value == "OK" else ""
        oid = escape(b.id) + "-0"
        confirmed = escape(_("Confirmed"))  # outside the f-string, for xgettext
        parts.append(
            f'<div class="opt"><input type="checkbox" name="{name}" id="{oid}" value="OK"{checked}{invalid}>'
            f'<label for="{oid}">{confirmed}</label></div>'
        )
    else:
        kind = "checkbox" if w == "checkbox" else "radio"
        for o in b.options:
            checked = " checked" if o["checked"] else ""
            oid = escape(o["id"])
            off = " hidden" if o["hidden"] else ""
            parts.append(
                f'<div class="opt"{off}><input type="{kind}" name="{name}" id="{oid}" value="{escape(o["name"])}"'
                f'{checked}{invalid}><label for="{oid}">{escape(o["label"])}</label></div>'
            )
    parts.append("</div></fieldset></div>")
    return "".join(parts)


def grid(g: Any) -> SafeString:
    """Selects of one list as a table (a :class:`~klappt.web.formbind.BoundGrid`)."""
    gid = escape(g.id)
    hidden = " hidden" if g.hidden else ""
    parts = [
        f'<div class="q gridq{" has-error" if g.errors else ""}" data-grid="{escape(g.key)}"{hidden}>',
    ]
    # the group's hint ("several answers possible") belongs to the table's name
    hint = f'<span class="hint" id="{gid}-hint">{escape(g.spec.hint)}</span>' if g.spec.hint else ""
    parts.append(
        f'<table class="grid" id="{gid}"><caption>{g.label_html}{hint}</caption>'
        "<thead><tr><td></td>"
    )
    for i, (_name, label) in enumerate(g.choices):
        parts.append(f'<th scope="col" id="{gid}-c{i}">{escape(label)}</th>')
    parts.append("</tr></thead><tbody>")
    kind = "checkbox" if g.multiple else "radio"
    for row in g.rows:
        rid, name = escape(row.id), escape(row.name)
        cls = ' class="has-error"' if row.errors else ""
        rhidden = " hidden" if row.hidden else ""
        star = '<span class="req" aria-hidden="true"> *</span>' if row.required else ""
        parts.append(
            f'<tr data-q="{name}" id="{rid}" tabindex="-1"{cls}{rhidden}>'
            f'<th scope="row"><span id="{rid}-label">{row.label_html}</span>{star}{_errors(row, "span")}</th>'
        )
        invalid = f' aria-invalid="true" aria-describedby="{rid}-error"' if row.errors else ""
        for i, o in enumerate(row.options):
            checked = " checked" if o["checked"] else ""
            oid = escape(o["id"])
            parts.append(
                f'<td><input type="{kind}" name="{name}" id="{oid}" value="{escape(o["name"])}"{checked}'
                f' aria-labelledby="{rid}-label {gid}-c{i}"{invalid}>'
                f'<label for="{oid}" class="cell-label" aria-hidden="true">{escape(o["label"])}</label></td>'
            )
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    return mark_safe("".join(parts))
