"""LimeSurvey in: structure files (``.lss``), survey archives (``.lsa``) and response exports.

* :mod:`.structure` reads a ``.lss`` document (either table layout) into plain data;
* :mod:`.form` (with the multi-column question types in :mod:`.items`) turns it into an
  XLSForm and a map of its data columns;
* :mod:`.expressions` translates ExpressionScript conditions (REDCap's logic goes through it too);
* :mod:`.responses` rebuilds a response table in klappt's layout;
* :mod:`.read` holds the entry points and the readers of the importers' table
  (:mod:`klappt.interop.importers`).

Nothing is imported here, so that REDCap's use of :mod:`.expressions` does not load the rest.
"""
