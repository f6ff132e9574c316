"""The same form and returns read from every file kind klappt accepts give the same tables."""

from __future__ import annotations

from pathlib import Path

from klappt.analysis.tabulate import tabulate
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

XLS = Path(__file__).resolve().parent.parent / "data" / "xls"

FORM_CSV = """survey,,,,,
,type,name,label::Deutsch (de),label::English (en),relevant
,select_one yn,koop,Kooperation?,Cooperation?,
,select_multiple art,art,Art,Kind,${koop} = 'ja'
,decimal,quote,Quote,Rate,
,date,datum,Datum,Date,
choices,,,,,
,list_name,name,label::Deutsch (de),label::English (en),
,yn,ja,ja,yes,
,yn,nein,nein,no,
,art,a,Angebote,Offers,
,art,b,Beratung,Counselling,
settings,,,,,
,form_title,form_id,default_language,,
,Mini,mini,Deutsch (de),,
"""

DATA_CSV = """_id;koop;art;quote;datum
1;ja;a b;2,5;01.03.2022
2;nein;;0,75;2022-03-15
3;ja;b;;
"""


def _tables(form_path, data_path):
    form = read_instrument(form_path)
    rs, report = load_responses(form, read_table(data_path))
    assert report.ok, report.issues
    return tabulate(rs).to_dict(), rs


def test_xls_form_and_data_equal_csv_variants__ok(tmp_path):
    form_csv = tmp_path / "form.csv"
    form_csv.write_text(FORM_CSV, encoding="utf-8")
    data_csv = tmp_path / "data.csv"
    data_csv.write_bytes(DATA_CSV.replace("\n", "\r\n").encode("cp1252"))
    from_xls, rs_xls = _tables(XLS / "mini_form.xls", XLS / "mini_data.xls")
    from_csv, rs_csv = _tables(form_csv, data_csv)
    assert from_xls == from_csv
    assert rs_xls.frame.equals(rs_csv.frame)
    art = next(t for t in from_xls["tables"] if t["question"] == "art")
    assert (art["base"], [r["count"] for r in art["rows"]]) == (2, [1, 2])
    assert rs_xls.frame["quote"].to_list() == [2.5, 0.75, None]
