"""REDCap data dictionaries and records exports.

The data dictionary (CSV, as downloaded from "Dictionary" or the API's ``metadata``) becomes
an XLSForm: one group per instrument, radio/dropdown -> select_one, checkbox ->
select_multiple, yesno/truefalse -> select_one 1/0, text with validation -> integer, decimal,
date …, notes -> text, calc -> calculate, slider -> integer 0–100, descriptive -> note.
Branching logic is translated where simple (``[q] = '1'``, ``[cb(2)] = '1'``, ``<>``,
``and``/``or``) and kept verbatim otherwise.

The records export (CSV, raw codes or labels) keeps one row per record; its checkbox
columns ``field___code`` become one select_multiple column. Rows of repeating instruments
are left out of the returns (klappt counts one return per record) and counted in the summary.
A longitudinal project's export (``redcap_event_name``) has one return per record × event
(× instance of a repeating event); one event can be imported as a wave of its own
(``event``, ``klappt import --event``), the record then being the return id.
"""

from __future__ import annotations

import re
from pathlib import Path

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop.base import (
    ConvertedFile,
    ImportSummary,
    Names,
    Note,
    XLSFormSpec,
    complete_import,
    plain_text,
    safe_choice,
)
from klappt.interop.limesurvey.expressions import Flag, Untranslatable, Var, reason, translate
from klappt.interop.redcap_records import _checkbox_key, _records
from klappt.responses.io import read_table

#: Column headings of a dictionary downloaded from the web interface -> the API's names.
_HEADINGS = {
    "variable / field name": "field_name",
    "form name": "form_name",
    "section header": "section_header",
    "field type": "field_type",
    "field label": "field_label",
    "choices, calculations, or slider labels": "select_choices_or_calculations",
    "field note": "field_note",
    "text validation type or show slider number": "text_validation_type_or_show_slider_number",
    "text validation min": "text_validation_min",
    "text validation max": "text_validation_max",
    "identifier?": "identifier",
    "branching logic (show field only if...)": "branching_logic",
    "required field?": "required_field",
    "matrix group name": "matrix_group_name",
}
FIELD_TYPES = (
    "text",
    "notes",
    "radio",
    "dropdown",
    "checkbox",
    "yesno",
    "truefalse",
    "calc",
    "slider",
    "descriptive",
    "file",
    "sql",
)
_TEXT_TYPES = {
    "integer": "integer",
    "number": "decimal",
    "date_ymd": "date",
    "date_mdy": "date",
    "date_dmy": "date",
    "datetime_ymd": "dateTime",
    "datetime_mdy": "dateTime",
    "datetime_dmy": "dateTime",
    "datetime_seconds_ymd": "dateTime",
    "datetime_seconds_mdy": "dateTime",
    "datetime_seconds_dmy": "dateTime",
    "time": "time",
    "time_hh_mm_ss": "time",
}


def is_dictionary(headers: tuple[str, ...] | list[str]) -> bool:
    keys = {_HEADINGS.get(h.strip().lower(), h.strip().lower()) for h in headers}
    return {"field_name", "form_name", "field_type", "field_label"} <= keys


def _choices(text: str) -> list[tuple[str, str]]:
    out = []
    for part in (text or "").split("|"):
        code, sep, label = part.partition(",")
        if not part.strip():
            continue
        out.append((code.strip(), plain_text(label.strip() if sep else code.strip())))
    return out


def redcap_to_expression(logic: str) -> str:
    """REDCap branching logic in ExpressionScript syntax, for :func:`klappt.interop.limesurvey.expressions.translate`."""
    if re.search(r"\]\s*\[", logic):
        raise Untranslatable(Text("verweist auf ein anderes Ereignis", "refers to another event"))
    out: list[str] = []
    i = 0
    while i < len(logic):
        ch = logic[i]
        if ch in "'\"":
            end = logic.find(ch, i + 1)
            if end < 0:
                raise Untranslatable(
                    Text("nicht geschlossenes Anführungszeichen", "unclosed quote")
                )
            out.append(logic[i : end + 1])
            i = end + 1
        elif ch == "[":
            end = logic.find("]", i)
            if end < 0:
                raise Untranslatable(Text("nicht geschlossene [", "unclosed ["))
            inner = logic[i + 1 : end]
            m = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\(\s*([^)]+?)\s*\))?\s*", inner)
            if not m:
                raise Untranslatable(f"[{inner}]")
            out.append(f"{m.group(1)}___{_checkbox_key(m.group(2))}" if m.group(2) else m.group(1))
            i = end + 1
        elif logic.startswith("<>", i):
            out.append("!=")
            i += 2
        elif ch == "=" and (i == 0 or logic[i - 1] not in "<>!=") and not logic.startswith("==", i):
            out.append("==")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _dictionary_rows(path: Path) -> list[dict[str, str]]:
    raw = read_table(path)
    if not is_dictionary(raw.columns):
        raise KlapptError(
            ErrorCode.INTEROP_005,
            path=path,
            found=", ".join(raw.columns[:5]),
            expected="REDCap data dictionary (field_name, form_name, field_type, field_label …)",
        )
    rename = {c: _HEADINGS.get(c.strip().lower(), c.strip().lower()) for c in raw.columns}
    frame = raw.frame.rename(rename)
    return [{k: (v or "") for k, v in row.items()} for row in frame.iter_rows(named=True)]


def read_redcap(
    dictionary: str | Path, records: str | Path | None = None, event: str | None = None
) -> ConvertedFile:
    """Import a REDCap data dictionary and, when given, a records export (CSV).

    Raises
    ------
    KlapptError
        ``INTEROP_005`` when the file is no data dictionary, ``INTEROP_006`` for an unknown
        field type, ``INTEROP_007`` for a field or choice code used twice, ``INTEROP_011`` for a
        choice list that cannot be read, ``INTEROP_008`` when the records belong to another project.

    Example
    -------
    >>> result = read_redcap("dictionary.csv", "records.csv")  # doctest: +SKIP
    >>> result.instrument.question("ethnicity").type  # doctest: +SKIP
    'select_one'
    """
    dpath = Path(dictionary)
    rows = _dictionary_rows(dpath)
    data_raw = read_table(records) if records is not None else None
    repeating = set()
    if data_raw is not None and "redcap_repeat_instrument" in data_raw.columns:
        repeating = set(data_raw.frame["redcap_repeat_instrument"].drop_nulls().unique().to_list())
    longitudinal = data_raw is not None and "redcap_event_name" in data_raw.columns
    unenforced: list[str] = []
    spec = XLSFormSpec(title=dpath.stem, form_id=re.sub(r"\W+", "_", dpath.stem) or "redcap")
    names = Names()
    refs: dict[str, Var | Flag] = {}
    fields: dict[str, dict] = {}
    pending: list[tuple[dict[str, str], str, str]] = []
    translated: list[Note] = []
    verbatim: list[Note] = []
    notes: list[Note] = []
    identifiers: list[str] = []
    seen: dict[str, int] = {}
    current_form = None
    record_field = ""
    sections = 0
    for n, row in enumerate(rows, start=2):
        field = row.get("field_name", "").strip()
        ftype = row.get("field_type", "").strip().lower()
        if not field:
            continue
        if field in seen:
            raise KlapptError(
                ErrorCode.INTEROP_007,
                path=dpath,
                value=field,
                where=Text(f"Zeilen {seen[field]}, {n}", f"rows {seen[field]}, {n}"),
            )
        seen[field] = n
        if ftype not in FIELD_TYPES:
            raise KlapptError(
                ErrorCode.INTEROP_006, path=dpath, question=field, type=ftype or "(empty)"
            )
        if not fields and not record_field:
            # REDCap's first field is the record id: the return id, not a question
            record_field = field
            refs[field] = Var("_id", "text")
            notes.append(
                Text(
                    "{field}: Datensatz-ID, als Rücklauf-ID verwendet",
                    "{field}: record id, used as the return id",
                ).format(field=field)
            )
            continue
        form = row.get("form_name", "").strip() or "form"
        if form != current_form:
            if current_form is not None:
                spec.add(type="end_repeat" if current_form in repeating else "end_group")
            kind = "repeat" if form in repeating else "group"
            spec.add(
                type=f"begin_{kind}",
                name=names.unique(form, fallback="form"),
                label=form.replace("_", " "),
            )
            current_form = form
        if row.get("section_header", "").strip():
            sections += 1
            spec.add(
                type="note",
                name=names.unique(f"section_{sections}"),
                label=plain_text(row["section_header"]),
            )
        name = names.unique(field, original=field)
        label = plain_text(row.get("field_label")) or field
        hint = plain_text(row.get("field_note"))
        validation = row.get("text_validation_type_or_show_slider_number", "").strip().lower()
        required = (
            "yes" if row.get("required_field", "").strip().lower() in ("y", "yes", "1") else None
        )
        if required and longitudinal:
            # an instrument is filled only at the events it is designated for: its required
            # fields are empty, rightly, in every other event's row
            unenforced.append(field)
            required = None
        base = {
            "name": name,
            "label": label,
            "hint": hint,
            "required": required,
            "redcap_field": field,
        }
        if row.get("identifier", "").strip().lower() in ("y", "yes", "1"):
            identifiers.append(field)
        info: dict = {"kind": "text", "name": name}
        if ftype in ("radio", "dropdown", "checkbox", "yesno", "truefalse"):
            if ftype == "yesno":
                options = [("1", "Yes"), ("0", "No")]
            elif ftype == "truefalse":
                options = [("1", "True"), ("0", "False")]
            else:
                options = _choices(row.get("select_choices_or_calculations", ""))
            if not options:
                raise KlapptError(
                    ErrorCode.INTEROP_011,
                    path=dpath,
                    where=Text(f"Zeile {n}, {field}", f"row {n}, {field}"),
                    message=Text("keine Antworten (select_choices_or_calculations)", "no choices"),
                )
            codes: dict[str, str] = {}
            for code, text in options:
                if code in codes:
                    raise KlapptError(
                        ErrorCode.INTEROP_007,
                        path=dpath,
                        value=code,
                        where=Text(f"Zeile {n}, {field}", f"row {n}, {field}"),
                    )
                codes[code] = safe_choice(code)
                spec.add_choice(name, codes[code], {"": text or code})
            multiple = ftype == "checkbox"
            spec.add(
                type=f"{'select_multiple' if multiple else 'select_one'} {name}",
                appearance="minimal" if ftype == "dropdown" else None,
                **base,
            )
            info = {
                "kind": "select_multiple" if multiple else "select_one",
                "name": name,
                "codes": codes,
                "labels": {text.lower(): codes[code] for code, text in options},
            }
            if multiple:
                refs[field] = Var(name, "select_multiple", codes)
                for code in codes:
                    refs[f"{field}___{_checkbox_key(code)}"] = Flag(name, codes[code])
            else:
                refs[field] = Var(name, "select_one", codes)
        elif ftype == "text":
            xtype = _TEXT_TYPES.get(validation) or (
                "decimal" if validation.startswith("number") else "text"
            )
            constraint = None
            lo, hi = (
                row.get("text_validation_min", "").strip(),
                row.get("text_validation_max", "").strip(),
            )
            if xtype in ("integer", "decimal"):
                parts = [f". >= {lo}" for _ in [0] if _num(lo)] + [
                    f". <= {hi}" for _ in [0] if _num(hi)
                ]
                constraint = " and ".join(parts) or None
            spec.add(type=xtype, constraint=constraint, **base)
            info = {"kind": "number" if xtype in ("integer", "decimal") else "text", "name": name}
            refs[field] = Var(name, info["kind"])
        elif ftype == "notes":
            spec.add(type="text", appearance="multiline", **base)
            refs[field] = Var(name, "text")
        elif ftype == "slider":
            spec.add(type="integer", constraint=". >= 0 and . <= 100", **base)
            info = {"kind": "number", "name": name}
            refs[field] = Var(name, "number")
        elif ftype == "calc":
            formula = row.get("select_choices_or_calculations", "")
            calc = "''"
            try:
                calc = _calc(formula, refs)
                translated.append(
                    Text(
                        "{field}: Berechnung {formula} -> {calc}",
                        "{field}: calculation {formula} -> {calc}",
                    ).format(field=field, formula=formula, calc=calc)
                )
            except Untranslatable as exc:
                verbatim.append(
                    Text(
                        "{field}: Berechnung {formula} ({reason}; die exportierten Werte werden "
                        "importiert)",
                        "{field}: calculation {formula} ({reason}; the exported values are "
                        "imported)",
                    ).format(field=field, formula=formula, reason=reason(exc))
                )
            spec.add(
                type="calculate",
                calculation=calc,
                redcap_calculation=formula,
                **{k: v for k, v in base.items() if k != "required"},
            )
            refs[field] = Var(name, "number")
        elif ftype == "descriptive":
            spec.add(type="note", **{k: v for k, v in base.items() if k != "required"})
            info = {"kind": "none", "name": name}
        elif ftype == "file":
            spec.add(type="file", **base)
            notes.append(
                Text(
                    "{field}: Datei-Upload als 'file' importiert (die Dateinamen)",
                    "{field}: file upload imported as 'file' (the file names)",
                ).format(field=field)
            )
        else:  # sql
            spec.add(type="text", **base)
            notes.append(
                Text(
                    "{field}: dynamisches SQL-Feld als Text importiert",
                    "{field}: dynamic SQL field imported as text",
                ).format(field=field)
            )
        fields[field] = info
        logic = row.get("branching_logic", "").strip()
        if logic:
            pending.append((spec.survey[-1], logic, field))
    if current_form is not None:
        spec.add(type="end_repeat" if current_form in repeating else "end_group")
    if not fields:
        raise KlapptError(ErrorCode.INTEROP_009, path=dpath, count=0, displays=0)
    for row_, logic, field in pending:
        try:
            row_["relevant"] = translate(redcap_to_expression(logic), refs.get)
            translated.append(f"{field}: {logic} -> {row_['relevant']}")
        except Untranslatable as exc:
            row_["redcap_branching_logic"] = logic
            verbatim.append(
                Text("{field}: {logic} ({reason})", "{field}: {logic} ({reason})").format(
                    field=field, logic=logic, reason=reason(exc)
                )
            )
    if identifiers:
        notes.append(
            Text(
                "Identifikationsfelder (personenbezogene Daten): {fields}",
                "identifier fields (personal data): {fields}",
            ).format(fields=", ".join(identifiers))
        )
    if unenforced:
        notes.append(
            Text(
                "Pflichtfelder nicht erzwungen (ein Längsschnittprojekt füllt ein Instrument nur "
                "bei seinen Ereignissen): {fields}",
                "required fields not enforced (a longitudinal project fills an instrument only at "
                "its events): {fields}",
            ).format(fields=", ".join(unenforced))
        )
    from klappt.interop.xlsform_writer import read_spec

    instrument, xlsform = read_spec(spec, source=str(dpath))
    raw = None
    if data_raw is not None:
        raw, data_notes = _records(data_raw, fields, repeating, dpath, record_field, event)
        notes.extend(data_notes)
    summary = ImportSummary(
        source=str(dpath),
        format="redcap",
        translated=tuple(translated),
        verbatim=tuple(verbatim),
        renamed=dict(names.renamed),
        notes=tuple(notes),
    )
    return complete_import("redcap", instrument, raw, summary, xlsform)


def _num(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _calc(formula: str, refs: dict[str, Var | Flag]) -> str:
    from klappt.interop.limesurvey.expressions import translate_value

    return translate_value(redcap_to_expression(formula), refs.get)


def import_dictionary(path: Path, records: Path | None, key: str) -> ConvertedFile:
    """A data dictionary, with its records export when one is given."""
    return read_redcap(path, records)


def import_records(path: Path, dictionary: Path | None, key: str) -> ConvertedFile:
    """A records export, read against its dictionary (the table refuses it without one)."""
    assert dictionary is not None
    return read_redcap(dictionary, path)
