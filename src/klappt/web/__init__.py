"""The collection web app: coordinators run a wave, every site fills its form through a
personal link, and the returns flow straight into the store, ``klappt tabulate`` and the deck.

A Django app (label ``klappt_web``) on top of :mod:`klappt.store`'s models. Its settings module
is :mod:`klappt.web.settings`; ``klappt serve`` runs it with gunicorn (:mod:`klappt.web.server`).
Importing this package does not import Django.
"""
