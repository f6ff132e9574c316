"""The XLSForm condition language (``relevant``, ``required``, ``constraint``, ``calculation``,
``choice_filter``, ``repeat_count``): parsed once, evaluated two ways.

* :mod:`.parse`: tokeniser and parser, text → a JSON tree (the browser's ``form.js`` reads it too)
* :mod:`.functions`: the one table of functions (name, arguments, where allowed)
* :mod:`.to_polars`: tree → Polars expression, every return at once (the whole-table checks)
* :mod:`.evaluate`: tree → value for one return (the web form's server side)

Import from the modules: the web form needs no Polars for one return.
"""
