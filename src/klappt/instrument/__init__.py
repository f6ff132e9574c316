"""Questionnaires: the XLSForm model and its reader."""

from klappt.instrument.model import Choice, Group, Instrument, Question
from klappt.instrument.readers import read_instrument

__all__ = ["Choice", "Group", "Instrument", "Question", "read_instrument"]
