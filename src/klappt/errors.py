"""User-facing errors: one catalogue, one exception type.

Every mistake a user can make ends in a :class:`KlapptError` carrying an
:class:`ErrorCode`. The CLI prints its message (German by default, English on
request) and exits non-zero; tests assert on the code, not on the wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from klappt.language import Text, current_language, in_language, say, use_language

__all__ = [
    "Detail",
    "ErrorCode",
    "KlapptError",
    "Text",
    "current_language",
    "say",
    "use_language",
]


@dataclass(frozen=True)
class Detail:
    """One catalogue entry: a stable short name and the message template per language."""

    name: str
    de: str
    en: str


class ErrorCode(Enum):
    """Every user-facing error: a short name and its message in German and English."""

    # Files
    FILE_001 = Detail("file_not_found", "Datei nicht gefunden: {path}", "File not found: {path}")
    FILE_002 = Detail("file_empty", "Die Datei ist leer: {path}", "The file is empty: {path}")
    FILE_003 = Detail(
        "file_unreadable",
        "Die Datei {path} lässt sich nicht lesen: {reason}",
        "Cannot read {path}: {reason}",
    )
    FILE_004 = Detail(
        "file_format",
        "Unbekanntes Dateiformat {suffix} bei {path}; erwartet: {expected}",
        "Unknown file format {suffix} for {path}; expected: {expected}",
    )
    FILE_005 = Detail(
        "file_encoding",
        "{path}: Zeichenkodierung nicht erkannt ({reason}). Bitte als UTF-8 oder Windows-1252 speichern.",
        "{path}: cannot detect the text encoding ({reason}). Save it as UTF-8 or Windows-1252.",
    )
    FILE_006 = Detail(
        "file_not_writable",
        "In {path} kann nicht geschrieben werden: {reason}",
        "Cannot write {path}: {reason}",
    )
    # YAML files (code books, recipes): read by klappt.yamlsafe within fixed limits
    YAML_001 = Detail(
        "yaml_alias",
        "{path}, Zeile {line}: YAML-Anker und -Verweise (& und *) sind nicht erlaubt; "
        "bitte den Inhalt ausschreiben.",
        "{path}, line {line}: YAML anchors and aliases (& and *) are not allowed; "
        "please write the content out.",
    )
    YAML_002 = Detail(
        "yaml_too_deep",
        "{path}, Zeile {line}: zu tief verschachtelt (höchstens {limit} Ebenen).",
        "{path}, line {line}: nested too deeply (at most {limit} levels).",
    )
    YAML_003 = Detail(
        "yaml_too_many_nodes",
        "{path}, Zeile {line}: zu viele Einträge (höchstens {limit} Werte, Listen und Zuordnungen).",
        "{path}, line {line}: too many entries (at most {limit} values, lists and mappings).",
    )
    YAML_004 = Detail(
        "yaml_too_large",
        "{path}: zu groß für eine YAML-Datei ({size} Bytes, höchstens {limit}).",
        "{path}: too large for a YAML file ({size} bytes, at most {limit}).",
    )
    FILE_007 = Detail(
        "limit_exceeded",
        "Die Datei {path} überschreitet die Grenze für {limit}: {value} > {max}. "
        "Anheben mit der Umgebungsvariablen {env}.",
        "The file {path} exceeds the limit for {limit}: {value} > {max}. "
        "Raise it with the environment variable {env}.",
    )
    FILE_009 = Detail(
        "cell_too_long",
        "{path}, Spalte '{column}', Zeile {row}: die Zelle hat {value} Zeichen, erlaubt sind "
        "{max}. Anheben mit der Umgebungsvariablen {env}.",
        "{path}, column '{column}', row {row}: the cell holds {value} characters, {max} are "
        "allowed. Raise it with the environment variable {env}.",
    )
    # Files a parser cannot take apart (see klappt.damaged; a damaged file itself is FILE_003)
    PARSE_001 = Detail(
        "file_too_deep",
        "Die Datei {path} ({kind}) ist zu tief verschachtelt, um sie zu lesen.",
        "The file {path} ({kind}) is nested too deeply to be read.",
    )
    PARSE_002 = Detail(
        "xml_encoding_unknown",
        "{path}: die XML-Deklaration nennt die Zeichenkodierung '{encoding}', die sich nicht "
        "lesen lässt. Bitte als UTF-8 speichern.",
        "{path}: the XML declaration names the character encoding '{encoding}', which cannot be "
        "read. Please save it as UTF-8.",
    )
    PARSE_003 = Detail(
        "input_too_deep",
        "Die Eingabe ({files}) ist zu tief verschachtelt, um sie zu verarbeiten; abgebrochen.",
        "The input ({files}) is nested too deeply to be processed; stopped.",
    )
    PARSE_004 = Detail(
        "out_of_memory",
        "Der Arbeitsspeicher reicht für die Eingabe ({files}) nicht aus; abgebrochen.",
        "The input ({files}) needs more memory than there is (out of memory); stopped.",
    )
    PARSE_005 = Detail(
        "variable_unnamed",
        "{path}: die Variable Nr. {number} hat keinen lesbaren Namen; die Datei ist beschädigt.",
        "{path}: variable no. {number} has no readable name; the file is damaged.",
    )
    # Instruments (XLSForm)
    INSTRUMENT_001 = Detail(
        "form_invalid",
        "Fehler im Fragebogen {path}: {where}{message}",
        "Error in the form {path}: {where}{message}",
    )
    INSTRUMENT_002 = Detail(
        "form_no_questions",
        "Der Fragebogen {path} enthält keine Fragen.",
        "The form {path} contains no questions.",
    )
    INSTRUMENT_003 = Detail(
        "unknown_question",
        "Unbekannte Frage '{name}' im Fragebogen {form}.",
        "Unknown question '{name}' in the form {form}.",
    )
    INSTRUMENT_004 = Detail(
        "by_not_select_one",
        "--by braucht eine Einfachauswahl (select_one); '{name}' ist {type}.",
        "--by needs a select_one question; '{name}' is {type}.",
    )
    # Responses
    RESPONSES_001 = Detail(
        "data_no_rows",
        "{path} enthält keine Rückläufe (nur eine Kopfzeile oder gar nichts).",
        "{path} contains no returns (only a header row, or nothing).",
    )
    RESPONSES_002 = Detail(
        "data_form_mismatch",
        "Die Daten {path} passen nicht zum Fragebogen {form}: keine Spalte entspricht einer Frage "
        "(gefundene Spalten: {columns}).",
        "The data {path} do not belong to the form {form}: no column matches a question "
        "(columns found: {columns}).",
    )
    RESPONSES_003 = Detail(
        "data_duplicate_header",
        "{path}: die Spalte '{column}' kommt mehrfach vor (Spalten {positions}).",
        "{path}: the column '{column}' occurs more than once (columns {positions}).",
    )
    # Store
    STORE_001 = Detail(
        "no_project",
        "Kein klappt-Projekt in {path}. Zuerst `klappt init` ausführen oder --project angeben.",
        "No klappt project in {path}. Run `klappt init` first or pass --project.",
    )
    STORE_002 = Detail(
        "unknown_wave",
        "Unbekannte Welle '{wave}'. Vorhandene Wellen: {known}",
        "Unknown wave '{wave}'. Existing waves: {known}",
    )
    STORE_003 = Detail(
        "database_unreachable",
        "Die Datenbank ist nicht erreichbar ({url}): {reason}",
        "The database cannot be reached ({url}): {reason}",
    )
    STORE_004 = Detail(
        "register_invalid",
        "Standortregister {path}, Zeile {row}: {message}",
        "Site register {path}, row {row}: {message}",
    )
    STORE_005 = Detail(
        "database_write_failed",
        "Die Welle '{wave}' konnte nicht gespeichert werden ({reason}); die Datenbank ist unverändert.",
        "Wave '{wave}' could not be stored ({reason}); the database is unchanged.",
    )
    STORE_006 = Detail(
        "wave_name_invalid",
        "Ungültiger Name einer Welle: '{wave}'. Ein kurzer Name wie 2022 wird gebraucht.",
        "Invalid wave name: '{wave}'. A short name such as 2022 is needed.",
    )
    # Reports
    REPORT_001 = Detail(
        "recipe_invalid",
        "Rezept {path}, Zeile {line}: {message}",
        "Recipe {path}, line {line}: {message}",
    )
    REPORT_002 = Detail(
        "template_invalid",
        "Die Vorlage {path} ist keine lesbare PowerPoint-Datei: {reason}",
        "The template {path} is not a readable PowerPoint file: {reason}",
    )
    REPORT_003 = Detail(
        "output_format",
        "Unbekanntes Ausgabeformat {suffix} für {path}; möglich: {expected}",
        "Unknown output format {suffix} for {path}; possible: {expected}",
    )
    REPORT_010 = Detail(
        "template_layouts",
        "Die Vorlage {path} hat kein Folienlayout mit Titelplatzhalter für {missing}. Erwartet: "
        "ein Layout „Titelfolie“ und eines „Nur Titel“ oder „Titel und Inhalt“ (in PowerPoint: "
        "Ansicht › Folienmaster). Vorhandene Layouts: {found}. Es wurde nichts geschrieben.",
        "The template {path} has no slide layout with a title placeholder for {missing}. "
        "Expected: a 'Title Slide' layout and a 'Title Only' or 'Title and Content' layout (in "
        "PowerPoint: View › Slide Master). Layouts found: {found}. Nothing was written.",
    )
    REPORT_011 = Detail(
        "no_returns",
        "Keine eingereichten Rückläufe{where}: ein Bericht zeigte nur 0 %. Erst Rückläufe "
        "importieren oder im Webformular einreichen lassen, dann den Bericht bauen.",
        "No submitted returns{where}: a report would show nothing but 0%. Import returns or "
        "have them submitted in the web form first, then build the report.",
    )
    REPORT_020 = Detail(  # site reports (issue 18): klappt.report.site_report
        "site_not_in_register",
        "Rücklauf {ret} ({where}) gehört zum Standort '{site}', den das Register {register} nicht kennt. Standort im Register ergänzen oder den Rücklauf berichtigen; es wurde nichts geschrieben.",
        "Return {ret} ({where}) belongs to site '{site}', which the register {register} does not know. Add the site to the register or correct the return; nothing was written.",
    )
    REPORT_021 = Detail(
        "site_out_pattern",
        "--out {path}: Mit --per-site muss der Dateiname {{site_id}} enthalten (z. B. berichte/{{site_id}}.pdf), sonst überschriebe jeder Bericht den vorigen.",
        "--out {path}: with --per-site the file name must contain {{site_id}} (e.g. reports/{{site_id}}.pdf), or every report would overwrite the last.",
    )
    REPORT_022 = Detail(
        "site_id_unsafe",
        "Die Standort-ID '{site}' im Register {register} taugt nicht als Dateiname: erlaubt sind Buchstaben, Ziffern, Punkt, Binde- und Unterstrich (höchstens 64 Zeichen, nicht mit Punkt beginnend). Es wurde nichts geschrieben.",
        "The site id '{site}' in the register {register} cannot be part of a file name: letters, digits, dot, hyphen and underscore are allowed (at most 64 characters, not starting with a dot). Nothing was written.",
    )
    REPORT_023 = Detail(
        "site_register_missing",
        "Berichte je Standort brauchen ein Register der Standorte{where}: mit --register register.csv angeben oder mit „klappt register register.csv“ in das Projekt laden.",
        "Reports per site need a register of the sites{where}: give it with --register register.csv or load it into the project with 'klappt register register.csv'.",
    )
    REPORT_024 = Detail(
        "site_column_unknown",
        "Zu welchem Standort ein Rücklauf gehört, ist in {source} nicht zu erkennen: keine Einfachauswahl hat die Standort-IDs des Registers als Auswahlen{column}. Die Spalte mit --site-column NAME nennen.",
        "Which site a return belongs to cannot be told in {source}: no single-choice question has the register's site ids as choices{column}. Name the column with --site-column NAME.",
    )
    # Disclosure control (klappt.analysis.disclosure)
    DISCLOSURE_001 = Detail(
        "min_cell_invalid",
        "Ungültige Mindestfallzahl {value} ({where}): eine ganze Zahl ab 1 wird gebraucht (Vorgabe: 3).",
        "Invalid minimum cell size {value} ({where}): a whole number of at least 1 is needed (default: 3).",
    )
    # Fonts: a warning, the PDF is still written (klappt.report.fonts)
    FONT_001 = Detail(
        "pdf_font_missing",
        "Die Schrift Carlito ist nicht installiert (gesucht: {where}). Das PDF wird mit einer "
        "breiteren Ersatzschrift gesetzt: Text kann über den Seitenrand laufen und sich "
        "überlappen. Abhilfe: das Debian-Paket fonts-crosextra-carlito installieren "
        "(apt-get install fonts-crosextra-carlito) oder mit {variable} den Ordner mit "
        "Carlito-Regular.ttf nennen.",
        "The font Carlito is not installed (looked in: {where}). The PDF is set in a wider "
        "fallback font: text may run off the page and overlap. Fix: install the Debian "
        "package fonts-crosextra-carlito (apt-get install fonts-crosextra-carlito) or name the "
        "folder holding Carlito-Regular.ttf with {variable}.",
    )
    # Trends across waves (klappt.analysis.mapping, trend, panel; issue 19)
    TREND_001 = Detail(
        "mapping_invalid",
        "Zuordnung {path}, Zeile {line}: {message}",
        "Mapping {path}, line {line}: {message}",
    )
    TREND_002 = Detail(
        "trend_waves",
        "Für einen Zeitvergleich werden mindestens zwei verschiedene Wellen gebraucht "
        "(--waves 2020,2022); angegeben: {waves}",
        "A trend needs at least two different waves (--waves 2020,2022); given: {waves}",
    )
    TREND_003 = Detail(
        "trend_by_missing",
        "Die Welle {wave} hat keine Einfachauswahl '{name}' (auch nicht über eine Zuordnung), "
        "nach der sich --by aufteilen ließe.",
        "Wave {wave} has no single-choice question '{name}' (not even through a mapping) to "
        "split --by.",
    )
    TREND_004 = Detail(
        "site_column_missing",
        "Die Welle {wave} hat keine Spalte '{column}' (--site-column).",
        "Wave {wave} has no column '{column}' (--site-column).",
    )
    # Interoperability (klappt.interop: LimeSurvey, REDCap, SPSS/Stata, exports)
    INTEROP_001 = Detail(
        "xml_malformed",
        "{path}: kein gültiges XML (Zeile {line}, Spalte {column}: {reason}).",
        "{path}: not valid XML (line {line}, column {column}: {reason}).",
    )
    INTEROP_002 = Detail(
        "xml_unsafe",
        "{path}: das XML enthält eine DTD oder Entitäten ({reason}); aus Sicherheitsgründen nicht gelesen.",
        "{path}: the XML contains a DTD or entities ({reason}); not read, for safety.",
    )
    INTEROP_003 = Detail(
        "archive_broken",
        "{path}: das Archiv ist beschädigt oder unvollständig ({reason}).",
        "{path}: the archive is damaged or truncated ({reason}).",
    )
    INTEROP_004 = Detail(
        "archive_member_missing",
        "{path}: im Archiv fehlt eine {member}-Datei.",
        "{path}: the archive holds no {member} file.",
    )
    INTEROP_005 = Detail(
        "wrong_document",
        "{path}: gefunden {found}, erwartet {expected}.",
        "{path}: found {found}, expected {expected}.",
    )
    INTEROP_006 = Detail(
        "unknown_question_type",
        "{path}: Frage '{question}' hat den unbekannten Fragetyp '{type}'; nichts importiert.",
        "{path}: question '{question}' has the unknown question type '{type}'; nothing imported.",
    )
    INTEROP_007 = Detail(
        "duplicate_code",
        "{path}: der Code '{value}' kommt mehrfach vor ({where}); nichts importiert.",
        "{path}: the code '{value}' occurs more than once ({where}); nothing imported.",
    )
    INTEROP_008 = Detail(
        "data_other_survey",
        "Die Daten {path} gehören nicht zur Umfrage {form}: {unknown} von {total} Spalten passen zu keiner Frage ({examples}).",
        "The data {path} do not belong to the survey {form}: {unknown} of {total} columns match no question ({examples}).",
    )
    INTEROP_009 = Detail(
        "no_questions",
        "{path}: keine Frage, die sich importieren lässt ({count} Fragen gefunden, davon {displays} reine Textanzeigen).",
        "{path}: no question that can be imported ({count} questions found, {displays} of them text displays).",
    )
    INTEROP_010 = Detail(
        "format_unknown",
        "{path}: Format nicht erkannt ({reason}). Unterstützt: {expected}.",
        "{path}: format not recognised ({reason}). Supported: {expected}.",
    )
    INTEROP_011 = Detail(
        "structure_invalid",
        "{path}, {where}: {message}",
        "{path}, {where}: {message}",
    )
    INTEROP_012 = Detail(
        "needs_structure",
        "{path} enthält nur Rückläufe ({format}); bitte auch die Strukturdatei angeben ({structure}).",
        "{path} holds returns only ({format}); please give the structure file as well ({structure}).",
    )
    INTEROP_013 = Detail(
        "export_format",
        "Unbekanntes Exportformat '{fmt}'; möglich: {expected}.",
        "Unknown export format '{fmt}'; possible: {expected}.",
    )
    INTEROP_014 = Detail(
        "too_large",
        "{path}: {member} ist zu groß ({size} Bytes, höchstens {limit}).",
        "{path}: {member} is too large ({size} bytes, at most {limit}).",
    )
    INTEROP_015 = Detail(
        "needs_returns",
        "{path} enthält nur den Fragebogen ({format}); für eine Welle bitte auch die Rückläufe angeben.",
        "{path} holds the questionnaire only ({format}); a wave needs the returns as well.",
    )
    INTEROP_016 = Detail(
        "unknown_event",
        "{path}: das Ereignis '{event}' kommt in den Rückläufen nicht vor; vorhanden: {events}.",
        "{path}: the event '{event}' does not occur in the returns; there are: {events}.",
    )
    INTEROP_017 = Detail(
        "event_without_events",
        "{path}: --event gilt nur für Rückläufe eines REDCap-Projekts mit Ereignissen "
        "(Spalte redcap_event_name); diese Datei ist {format}.",
        "{path}: --event applies only to the returns of a REDCap project with events "
        "(column redcap_event_name); this file is {format}.",
    )
    # Coding of open answers (klappt.coding)
    CODING_001 = Detail(
        "codebook_duplicate_code",
        "Codebuch {path}, Zeile {row}: der Code '{name}' kommt doppelt vor (zuerst in Zeile {first}).",
        "Code book {path}, row {row}: the code '{name}' occurs twice (first in row {first}).",
    )
    CODING_002 = Detail(
        "codebook_cycle",
        "Codebuch {path}, Zeile {row}: die Oberkategorien von '{name}' bilden einen Kreis ({chain}).",
        "Code book {path}, row {row}: the parents of '{name}' form a circle ({chain}).",
    )
    CODING_003 = Detail(
        "codebook_unknown_parent",
        "Codebuch {path}, Zeile {row}: die Oberkategorie '{parent}' von '{name}' gibt es nicht.",
        "Code book {path}, row {row}: the parent '{parent}' of '{name}' does not exist.",
    )
    CODING_004 = Detail(
        "codebook_too_deep",
        "Codebuch {path}, Zeile {row}: '{name}' hängt an '{parent}', das selbst eine Oberkategorie hat; "
        "erlaubt sind zwei Ebenen.",
        "Code book {path}, row {row}: '{name}' sits under '{parent}', which has a parent itself; "
        "two levels are allowed.",
    )
    CODING_005 = Detail(
        "codebook_invalid",
        "Codebuch {path}, Zeile {row}: {message}",
        "Code book {path}, row {row}: {message}",
    )
    CODING_006 = Detail(
        "codings_unknown_code",
        "{path}, Zeile {row}: unbekannter Code '{name}'{more}. Codes im Codebuch {codebook}: {known}",
        "{path}, row {row}: unknown code '{name}'{more}. Codes in the code book {codebook}: {known}",
    )
    CODING_007 = Detail(
        "codings_answer_gone",
        "{path}, Zeile {row}: die Antwort '{answer}' (Frage {question}) gibt es in den Daten {data} nicht "
        "(mehr){more}. Die Codierungen bleiben in der Datei; bitte prüfen, ob die richtigen Daten geladen "
        "sind, oder die Zeilen entfernen.",
        "{path}, row {row}: the answer '{answer}' (question {question}) is not (any longer) in the data "
        "{data}{more}. The codings stay in the file; check that the right data are loaded, or remove the rows.",
    )
    CODING_008 = Detail(
        "codings_answer_changed",
        "{path}, Zeile {row}: die Antwort '{answer}' hat sich seit dem Codieren geändert: codiert wurde "
        "„{coded}“, jetzt steht dort „{current}“{more}.",
        "{path}, row {row}: the answer '{answer}' changed since it was coded: coded was \"{coded}\", "
        'now it reads "{current}"{more}.',
    )
    CODING_009 = Detail(
        "codings_missing_columns",
        "{path}: es fehlen die Spalten {missing} (gefunden: {found}).",
        "{path}: the columns {missing} are missing (found: {found}).",
    )
    CODING_010 = Detail(
        "codings_invalid_cell",
        "{path}, Zeile {row}: {message}",
        "{path}, row {row}: {message}",
    )
    CODING_011 = Detail(
        "not_a_text_question",
        "Die Frage '{name}' ist keine Textfrage (Typ {type}); codieren lassen sich nur offene Antworten.",
        "The question '{name}' is not a text question (type {type}); only open answers can be coded.",
    )
    CODING_012 = Detail(
        "no_codebook",
        "{path} enthält kein Blatt 'Codebuch'; zum Prüfen der Codes bitte --codebook angeben.",
        "{path} has no sheet 'Codebook'; give --codebook to check the codes.",
    )
    CODING_013 = Detail(
        "codebook_other_question",
        "{path}, Zeile {row}: codiert ist die Frage '{question}', das Codebuch {codebook} gehört zur Frage "
        "'{expected}'.",
        "{path}, row {row}: the coded question is '{question}', the code book {codebook} belongs to "
        "'{expected}'.",
    )
    CODING_014 = Detail(
        "no_stored_codebook",
        "Welle {wave}: für die Frage '{question}' ist kein Codebuch gespeichert. Zuerst das Codebuch "
        "speichern: klappt code codebook CODEBUCH.yaml --wave {wave}",
        "Wave {wave}: no code book is stored for the question '{question}'. Store it first: "
        "klappt code codebook CODEBOOK.yaml --wave {wave}",
    )
    CODING_015 = Detail(
        "codings_question_unclear",
        "{path}, Zeile {row}: die Spalte question ist leer, und Welle {wave} hat Codebücher für "
        "mehrere Fragen ({questions}). Bitte die Frage in die Spalte question schreiben.",
        "{path}, row {row}: the column question is empty, and wave {wave} has code books for several "
        "questions ({questions}). Please put the question into the column question.",
    )
    # E-mail and running a wave from the command line (klappt.web.mail)
    MAIL_001 = Detail(
        "email_url_invalid",
        "KLAPPT_EMAIL_URL ist ungültig ({url}): {detail} wird nicht verstanden. Erwartet: "
        "smtp:// oder smtps://, Rechnername, Port, ?tls=starttls|none, ?timeout=1…600; z. B. "
        "smtp://benutzer:passwort@relay.example.org:587?tls=starttls",
        "KLAPPT_EMAIL_URL is invalid ({url}): {detail} is not understood. Expected: "
        "smtp:// or smtps://, host name, port, ?tls=starttls|none, ?timeout=1…600; e.g. "
        "smtp://user:password@relay.example.org:587?tls=starttls",
    )
    MAIL_002 = Detail(
        "email_not_configured",
        "Es kann keine E-Mail versandt werden: KLAPPT_EMAIL_URL ist nicht gesetzt "
        "(z. B. smtp://relay.example.org:25).",
        "No e-mail can be sent: KLAPPT_EMAIL_URL is not set (e.g. smtp://relay.example.org:25).",
    )
    MAIL_003 = Detail(
        "base_url_missing",
        "Der Versand ist gesperrt: KLAPPT_BASE_URL ist nicht gesetzt oder zeigt auf diesen Rechner "
        "({url}). Die Links würden sonst auf eine Adresse zeigen, die die Standorte nicht "
        "erreichen. KLAPPT_BASE_URL=https://umfrage.example.org setzen.",
        "Sending is refused: KLAPPT_BASE_URL is not set or points to this machine ({url}). The "
        "links would point to an address the sites cannot reach. Set "
        "KLAPPT_BASE_URL=https://survey.example.org.",
    )
    MAIL_004 = Detail(
        "template_unknown_placeholder",
        "Vorlage {template}: unbekannter Platzhalter {{{name}}}. Erlaubt: {allowed}",
        "Template {template}: unknown placeholder {{{name}}}. Allowed: {allowed}",
    )
    MAIL_005 = Detail(
        "wave_not_open",
        "Die Welle '{wave}' ist nicht geöffnet; zuerst `klappt wave open {wave} --form …`.",
        "Wave '{wave}' is not open; run `klappt wave open {wave} --form …` first.",
    )
    MAIL_006 = Detail(
        "wave_not_online",
        "Die Welle '{wave}' wurde aus einer Datei importiert und wird nicht online erhoben.",
        "Wave '{wave}' was imported from a file and is not collected online.",
    )
    MAIL_007 = Detail(
        "unknown_program",
        "Unbekanntes Programm '{program}'. Vorhandene Programme: {known}",
        "Unknown program '{program}'. Existing programs: {known}",
    )
    MAIL_008 = Detail(
        "date_invalid",
        "Ungültiges Datum '{value}': erwartet 2024-03-31 oder 31.03.2024.",
        "Invalid date '{value}': expected 2024-03-31 or 31.03.2024.",
    )
    MAIL_009 = Detail(
        "form_has_returns",
        "Die Welle '{wave}' hat schon Rückläufe; ihr Fragebogen lässt sich nicht mehr ersetzen, "
        "ohne ihn gegen sie zu prüfen: klappt wave replace-form {wave} FRAGEBOGEN.xlsx",
        "Wave '{wave}' already has returns; its form can no longer be replaced without checking "
        "it against them: klappt wave replace-form {wave} FORM.xlsx",
    )
    MAIL_010 = Detail(
        "form_needed",
        "Die Welle '{wave}' gibt es noch nicht: --form FRAGEBOGEN.xlsx angeben.",
        "Wave '{wave}' does not exist yet: pass --form FORM.xlsx.",
    )
    MAIL_012 = Detail(
        "unknown_site",
        "Unbekannte Standorte im Register: {ids}",
        "Unknown sites in the register: {ids}",
    )
    MAIL_011 = Detail(
        "email_from_invalid",
        "Es kann keine E-Mail versandt werden: KLAPPT_EMAIL_FROM ('{value}') ist keine "
        "Absenderadresse (z. B. KLAPPT_EMAIL_FROM='Programmbüro <programm@example.org>').",
        "No e-mail can be sent: KLAPPT_EMAIL_FROM ('{value}') is no sender address "
        "(e.g. KLAPPT_EMAIL_FROM='Program office <program@example.org>').",
    )

    # -- the coordinator's changes to returns and forms (issue 16) --
    RETURN_001 = Detail(
        "reason_missing",
        "Bitte einen Grund angeben: jede Änderung eines Rücklaufs wird mit Grund festgehalten.",
        "Please give a reason: every change of a return is recorded with its reason.",
    )
    RETURN_002 = Detail(
        "not_submitted",
        "Der Rücklauf von {site} ist nicht abgesandt; korrigieren lässt sich nur ein "
        "abgesandter Rücklauf (einen Entwurf füllt der Standort selbst aus).",
        "The return of {site} is not submitted; only a submitted return can be corrected "
        "(a draft is the site's to fill in).",
    )
    RETURN_003 = Detail(
        "misfits_unconfirmed",
        "{n} Antworten passen nicht zum neuen Fragebogen (siehe Liste); nichts wurde geändert. "
        "Mit --yes ersetzen: die Rückläufe behalten ihre frühere Fassung.",
        "{n} answers do not fit the new form (see the list); nothing was changed. "
        "Replace with --yes: the returns keep their earlier version.",
    )
    RETURN_004 = Detail(
        "answer_invalid",
        "Korrektur von {site} nicht gespeichert: {problems}",
        "Correction of {site} not saved: {problems}",
    )
    RETURN_006 = Detail(
        "form_or_copy",
        "Entweder --form FRAGEBOGEN.xlsx oder --from-wave WELLE angeben, nicht beides.",
        "Give either --form FORM.xlsx or --from-wave WAVE, not both.",
    )
    RETURN_007 = Detail(
        "unknown_version",
        "Diese Version gibt es nicht. Vorhandene Versionen: {known}",
        "No such version. Existing versions: {known}",
    )
    RETURN_008 = Detail(
        "changed_meanwhile",
        "Der Rücklauf von {site} wurde inzwischen geändert; nichts wurde gespeichert. Bitte die "
        "Seite neu laden und die Korrektur erneut eintragen.",
        "The return of {site} was changed in the meantime; nothing was saved. Please reload the "
        "page and enter the correction again.",
    )
    RETURN_005 = Detail(
        "setting_invalid",
        "'{value}' ist keine Antwort der Form FRAGE=WERT (z. B. --set thm_anzahl=3).",
        "'{value}' is no answer of the form QUESTION=VALUE (e.g. --set thm_anzahl=3).",
    )
    RETURN_009 = Detail(
        "unknown_repeat",
        "'{name}': {repeat} ist keine Wiederholungsgruppe des Fragebogens. Vorhanden: {known}",
        "'{name}': {repeat} is no repeated section of the form. There are: {known}",
    )
    RETURN_010 = Detail(
        "entry_out_of_range",
        "'{name}': diesen Eintrag gibt es nicht; {repeat} hat {n} Einträge (1 bis {n}; ein "
        "neuer Eintrag mit --add {repeat} oder als {repeat}[{next}]/…).",
        "'{name}': there is no such entry; {repeat} has {n} entries (1 to {n}; a new entry "
        "with --add {repeat} or as {repeat}[{next}]/…).",
    )
    RETURN_011 = Detail(
        "unknown_question",
        "'{name}': {question} ist keine Frage {where}, die sich korrigieren lässt. Fragen: {known}",
        "'{name}': {question} is no question {where} that can be corrected. Questions: {known}",
    )
    RETURN_012 = Detail(
        "nothing_to_correct",
        "Nichts zu korrigieren: --set FRAGE=WERT, --add GRUPPE oder --remove GRUPPE[N] angeben.",
        "Nothing to correct: give --set QUESTION=VALUE, --add SECTION or --remove SECTION[N].",
    )
    # Accounts of the web app (klappt createuser, klappt password)
    ACCOUNT_001 = Detail(
        "role_unknown",
        "Unbekannte Rolle '{role}'; möglich: {known}.",
        "Unknown role '{role}'; possible: {known}.",
    )
    ACCOUNT_002 = Detail("username_empty", "Der Benutzername ist leer.", "The user name is empty.")
    ACCOUNT_003 = Detail(
        "program_unknown",
        "Unbekanntes Programm '{program}' (vorhanden: {known}).",
        "Unknown program '{program}' (existing: {known}).",
    )
    ACCOUNT_004 = Detail("account_unknown", "Kein Konto '{name}'.", "There is no account '{name}'.")
    ACCOUNT_005 = Detail(
        "password_refused",
        "Das Passwort wird nicht angenommen: {problems}",
        "The password is refused: {problems}",
    )


class KlapptError(Exception):
    """A mistake the user can fix, with a catalogue code and the facts to name it."""

    def __init__(self, code: ErrorCode, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message())

    def message(self, lang: str | None = None) -> str:
        detail = self.code.value
        chosen = lang or current_language()
        template = say(detail.de, detail.en, chosen)
        params = in_language({k: _text(v) for k, v in self.params.items()}, chosen)
        try:
            return template.format(**params)
        except (KeyError, IndexError):  # a missing parameter must never hide the error itself
            return f"{template} {self.params}"

    def __str__(self) -> str:
        return self.message()


def _text(value: object) -> object:
    # a member of a catalogue of texts (klappt.reasons.Reason) stands for its Text
    return value.value if isinstance(value, Enum) and isinstance(value.value, Text) else value
