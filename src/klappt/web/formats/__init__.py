"""Django's date formats for the two languages, as klappt.formatting writes them in the core:
German ``31.01.2027, 13:50``, English ``31 Jan 2027, 13:50`` (a 24-hour clock: Django's English
``1:50 p.m.`` ended a sentence in "p.m.."). Numbers keep Django's separators (``1,5``/``1.5``)."""
