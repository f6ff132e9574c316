"""SPSS and Stata: :mod:`.read` imports ``.sav``/``.zsav``/``.dta``, :mod:`.write` exports them.

Nothing is imported here: an export does not load the reader, nor an import the writer.
"""
