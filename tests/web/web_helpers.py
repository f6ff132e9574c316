"""Helpers for the web tests (child run only: they import Django)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from reference_data import FORM, REGISTER, RETURNS, post_data, reference_returns

from klappt.store.models import Program, Site, Wave
from klappt.web import links, register
from klappt.web.models import Membership, Role

PASSWORD = "ein-langes-Passwort-42"
__all__ = ["FORM", "PASSWORD", "REGISTER", "RETURNS", "Web", "post_data", "reference_returns"]


class Web:
    def __init__(self, request: Any) -> None:
        self.request = request
        self.program = Program.objects.create(name="Gemeinsam klappt's", slug="gk")

    def close(self) -> None:
        """Nothing to clean: the database is rolled back or flushed by pytest-django."""

    # -- setup ---------------------------------------------------------------------------------

    def load_register(self, path: Path = REGISTER) -> register.RegisterResult:
        result = register.parse(path.read_bytes(), path.name)
        assert not result.errors, result.errors
        return register.apply(self.program, result)

    def make_wave(
        self, name: str = "2022", form: Path = FORM, open_: bool = True, deadline: Any = None
    ) -> Wave:
        from klappt.web import instruments

        data = form.read_bytes()
        instrument = instruments.read_form_bytes(data, form.name)
        return Wave.objects.create(
            program=self.program,
            name=name,
            form_file=data,
            form_filename=form.name,
            form_sha256=instruments.sha256(data),
            form_title=instrument.title,
            form_id=instrument.form_id,
            deadline=deadline,
            opened_at=timezone.now() if open_ else None,
            data_filename="web",
        )

    def setup(self) -> Wave:
        self.load_register()
        return self.make_wave()

    def user(
        self,
        role: str | None = Role.COORDINATOR,
        program: Program | str | None = "own",
        name: str | None = None,
    ) -> Any:
        users = get_user_model()
        user = users.objects.create_user(
            username=name or f"u{secrets.token_hex(4)}", password=PASSWORD
        )
        if role is not None:
            Membership.objects.create(
                user=user, program=self.program if program == "own" else program, role=role
            )
        return user

    def client(self, user: Any = None, **kwargs: Any) -> Client:
        c = Client(**kwargs)
        if user is not None:
            c.force_login(user)
        return c

    def coordinator(self) -> Client:
        return self.client(self.user(Role.COORDINATOR))

    def analyst(self) -> Client:
        return self.client(self.user(Role.ANALYST))

    # -- sites and links -----------------------------------------------------------------------

    def site(self, site_id: str = "gt") -> Site:
        return Site.objects.get(program=self.program, site_id=site_id)

    def token(self, site: Site | str = "gt") -> str:
        s = self.site(site) if isinstance(site, str) else site
        link = links.active(s) or links.issue(s)
        token = links.token_of(link)
        assert token
        return token

    def form_url(self, wave: Wave, site: Site | str = "gt") -> str:
        return f"/r/{self.token(site)}/{wave.pk}/"

    # -- filling in ----------------------------------------------------------------------------

    def multiple(self, wave: Wave) -> set[str]:
        from klappt.web import instruments

        return {
            q.name for q in instruments.instrument(wave).questions if q.type == "select_multiple"
        }

    def answers_of(self, kommune: str = "gt") -> dict[str, str]:
        for r in reference_returns():
            if r["kommune"] == kommune:
                return r
        raise KeyError(kommune)

    def version(self, client: Client, url: str) -> int:
        html = client.get(url + "?edit=1").content.decode()
        return int(re.search(r'name="version" value="(\d+)"', html).group(1))

    def post(
        self,
        client: Client,
        wave: Wave,
        data: dict[str, Any],
        action: str = "save",
        site: str = "gt",
        version: int | None = None,
        key: str | None = None,
        **kwargs: Any,
    ) -> Any:
        url = self.form_url(wave, site)
        if version is None:
            version = self.version(client, url)
        body = {
            **data,
            "action": action,
            "version": str(version),
            "key": key or secrets.token_hex(16),
        }
        return client.post(url, body, **kwargs)

    def submit_reference(self, client: Client, wave: Wave, kommune: str = "gt") -> Any:
        data = post_data(self.answers_of(kommune), self.multiple(wave))
        return self.post(client, wave, data, action="submit", site=kommune)
