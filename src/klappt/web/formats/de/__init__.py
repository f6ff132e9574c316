"""See klappt.web.formats."""
