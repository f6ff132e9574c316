"""The autosave address (issue 17) without a browser: JSON answers, versions kept and replaced,
conflicts refused, the register's municipality kept, a closed wave, the storage of one link."""

from __future__ import annotations

import json
import secrets
from typing import Any


def _autosave(web: Any, client: Any, wave: Any, data: dict[str, Any], **extra: Any) -> Any:
    url = web.form_url(wave)
    body = {**data, "key": secrets.token_hex(16), **extra}
    if "version" not in body:
        body["version"] = str(web.version(client, url))
    return client.post(url + "autosave/", body)


def test_autosaves_replace_their_own_and_explicit_saves_keep_a_version__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import ReturnVersion, SiteReturn

    wave = web.setup()
    a = web.client()
    version = web.version(a, web.form_url(wave))
    for i in range(5):
        r = _autosave(
            web,
            a,
            wave,
            {"lebenswelt": "ja", "lebenswelt_angebote": f"Angebot {i}"},
            version=str(version),
            section="s2_begleitung",
        )
        assert r.status_code == 200 and r["Content-Type"] == "application/json"
        answer = json.loads(r.content)
        assert answer["status"] == "saved" and answer["version"] == version + 1
        assert len(answer["time"]) == 5 and answer["time"][2] == ":"
        version = answer["version"]
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert sr.values["lebenswelt_angebote"] == "Angebot 4" and sr.last_step == "s2_begleitung"
    assert list(ReturnVersion.objects.values_list("kind", flat=True)) == ["autosave"]
    # "Entwurf speichern" in the page: a version of its own
    r = _autosave(web, a, wave, {"lebenswelt": "nein"}, version=str(version), explicit="1")
    assert json.loads(r.content)["status"] == "saved"
    kinds = list(ReturnVersion.objects.order_by("number").values_list("kind", flat=True))
    assert kinds == ["autosave", "draft"]
    # another browser's autosave keeps the first one's state as a version of its own
    b = web.client()
    r = _autosave(web, b, wave, {"lebenswelt": "ja"})
    assert r.status_code == 200
    r = _autosave(web, a, wave, {"lebenswelt": "nein"})
    assert r.status_code == 200
    kinds = list(ReturnVersion.objects.order_by("number").values_list("kind", flat=True))
    assert kinds == ["autosave", "draft", "autosave", "autosave"]


def test_an_older_page_is_refused_and_the_newer_draft_stays__error(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import SiteReturn

    wave = web.setup()
    a, b = web.client(), web.client()
    start = web.version(a, web.form_url(wave))
    web.version(b, web.form_url(wave))
    assert _autosave(web, a, wave, {"ausfuelldatum": "2022-02-01"}).status_code == 200
    r = _autosave(web, b, wave, {"ausfuelldatum": "2022-03-03"}, version=str(start))
    assert r.status_code == 409
    answer = json.loads(r.content)
    assert answer["status"] == "conflict" and answer["version"] == start + 1
    assert SiteReturn.objects.get(wave=wave).values["ausfuelldatum"] == "2022-02-01"


def test_the_registers_municipality_is_kept_whatever_is_sent__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    assert _autosave(web, c, wave, {"kommune": "mk", "gebietstyp": "kreis"}).status_code == 200
    assert SiteReturn.objects.get(wave=wave).values["kommune"] == "gt"
    assert web.post(c, wave, {"kommune": "mk"}).status_code == 302
    assert SiteReturn.objects.get(wave=wave).values["kommune"] == "gt"


def test_autosave_on_a_closed_wave_and_with_an_unknown_link__error(
    web: Any, web_backend: str
) -> None:
    from django.utils import timezone

    from klappt.store.models import Wave
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    version = web.version(c, web.form_url(wave))
    Wave.objects.filter(pk=wave.pk).update(closed_at=timezone.now())
    r = _autosave(web, c, wave, {"ausfuelldatum": "2022-02-01"}, version=str(version))
    assert r.status_code == 409 and json.loads(r.content)["status"] == "closed"
    assert not SiteReturn.objects.filter(wave=wave, version__gt=0).exists()
    r = c.post(f"/r/{'z' * 43}/{wave.pk}/autosave/", {"version": "0"})
    assert r.status_code == 404 and json.loads(r.content)["status"] == "link"
    # the address opened in a browser leads to the form
    r = c.get(web.form_url(wave) + "autosave/")
    assert r.status_code == 302 and r["Location"].endswith(f"/{wave.pk}/")
