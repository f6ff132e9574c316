"""LimeSurvey's array filters and validations become XLSForm relevance and constraints
(issue 20); what cannot be translated is kept verbatim and counted in the summary."""

from __future__ import annotations

from pathlib import Path

from lsbuild import make_lss

from klappt.interop.limesurvey.read import read_lss

SURVEY = {
    "sid": "515151",
    "languages": ["de"],
    "title": {"de": "Prüfungen"},
    "groups": [
        {
            "gid": "1",
            "name": {"de": "Alles"},
            "questions": [
                {
                    "qid": "10",
                    "type": "M",
                    "code": "angebote",
                    "text": {"de": "Welche Angebote?"},
                    "subs": [
                        ("SQ001", {"de": "Beratung"}),
                        ("SQ002", {"de": "Kurse"}),
                        ("SQ003", {"de": "Treff"}),
                    ],
                },
                {
                    "qid": "11",
                    "type": "F",
                    "code": "bewert",
                    "text": {"de": "Wie gut?"},
                    "attributes": {"array_filter": "angebote"},
                    "subs": [
                        ("SQ001", {"de": "Beratung"}),
                        ("SQ002", {"de": "Kurse"}),
                        ("SQ009", {"de": "Insgesamt"}),
                    ],
                    "answers": [("1", {"de": "gut"}), ("2", {"de": "schlecht"})],
                },
                {
                    "qid": "12",
                    "type": "F",
                    "code": "ohne",
                    "text": {"de": "Warum nicht?"},
                    "attributes": {"array_filter_exclude": "angebote"},
                    "subs": [("SQ003", {"de": "Treff"})],
                    "answers": [("1", {"de": "zu weit"}), ("2", {"de": "kein Bedarf"})],
                },
                {
                    "qid": "13",
                    "type": "K",
                    "code": "anteile",
                    "text": {"de": "Anteile in Prozent"},
                    "attributes": {"em_validation_q": "sum(that.anteile.NAOK) == 100"},
                    "subs": [("A", {"de": "Stadt"}), ("B", {"de": "Land"})],
                },
                {
                    "qid": "14",
                    "type": "N",
                    "code": "alter",
                    "text": {"de": "Alter"},
                    "attributes": {"em_validation_q": "alter >= 18 and alter < 100"},
                },
                {
                    "qid": "15",
                    "type": "S",
                    "code": "plz",
                    "preg": "/^[0-9]{5}$/",
                    "text": {"de": "PLZ"},
                },
                {
                    "qid": "16",
                    "type": "S",
                    "code": "mail",
                    "preg": "/^.+@.+$/i",
                    "text": {"de": "E-Mail"},
                    "attributes": {"em_validation_q": "regexMatch('/@/', mail)"},
                },
            ],
        }
    ],
}


def test_array_filters_and_validations_translate__ok(tmp_path: Path) -> None:
    path = tmp_path / "checks.lss"
    path.write_bytes(make_lss(SURVEY))
    result = read_lss(path)
    form = result.instrument
    assert form.question("bewert_SQ001").relevant == "selected(${angebote}, 'SQ001')"
    assert form.question("bewert_SQ002").relevant == "selected(${angebote}, 'SQ002')"
    assert form.question("bewert_SQ009").relevant is None  # no box of its code: always shown
    assert form.question("ohne_SQ003").relevant == "not(selected(${angebote}, 'SQ003'))"
    assert form.question("anteile_B").constraint == (
        "(coalesce(${anteile_A}, 0) + coalesce(${anteile_B}, 0)) = 100"
    )
    assert form.question("alter").constraint == ". >= 18 and . < 100"
    assert form.question("plz").constraint == "regex(., '^[0-9]{5}$')"
    assert form.question("mail").constraint is None
    verbatim = "\n".join(result.summary.to_dict()["verbatim"])
    assert "question mail: validation regexMatch('/@/', mail)" in verbatim
    assert "question mail: validation regex /^.+@.+$/i" in verbatim
    assert (
        "array filters and validations: 5 of 7 translated, 2 kept verbatim"
        in (result.summary.to_dict()["notes"])
    )
