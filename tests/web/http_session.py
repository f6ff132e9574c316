"""A small HTTP client for tests against a real server: cookies, CSRF tokens, no redirects followed.

Standard library only, so that it runs the same in any test process and in ``bench/web_bench.py``.
"""

from __future__ import annotations

import http.client
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Session:
    base: str  # http://127.0.0.1:8000
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    def _conn(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.base)
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        h = {"Host": urlsplit(self.base).netloc, "Accept-Language": "de-DE,de;q=0.9"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        conn = self._conn()
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            for key, value in r.getheaders():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(
        self, path: str, data: dict[str, Any] | list[tuple[str, str]], csrf_from: str | None = None
    ) -> Response:
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        flat: list[tuple[str, str]] = []
        for k, v in pairs:
            if isinstance(v, (list, tuple)):
                flat.extend((k, str(x)) for x in v)
            else:
                flat.append((k, str(v)))
        if csrf_from is not None:
            flat.append(("csrfmiddlewaretoken", csrf_token(csrf_from)))
        body = urlencode(flat).encode()
        return self.request(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + path},
        )

    def post_file(
        self,
        path: str,
        fields: dict[str, str],
        name: str,
        filename: str,
        content: bytes,
        csrf_from: str,
    ) -> Response:
        boundary = "----klappt" + secrets.token_hex(8)
        parts = []
        for k, v in {**fields, "csrfmiddlewaretoken": csrf_token(csrf_from)}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            b"".join(parts),
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base + path,
            },
        )


def csrf_token(html: str) -> str:
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not m:
        raise AssertionError("no CSRF token on the page")
    return m.group(1)


def form_state(html: str) -> tuple[int, str]:
    """(version, csrf token) of a respondent form page."""
    version = int(re.search(r'name="version" value="(\d+)"', html).group(1))
    return version, csrf_token(html)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``klappt serve`` in a subprocess (its own process group, so kill -9 reaches every worker)."""

    def __init__(
        self, project: Path, env: dict[str, str], log: Path, workers: int = 2, threads: int = 4
    ) -> None:
        self.project = project
        self.env = env
        self.log = log
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        cmd = [
            sys.executable,
            "-m",
            "klappt",
            "serve",
            "--project",
            str(self.project),
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
        ]
        fh = self.log.open("ab")
        self.proc = subprocess.Popen(
            cmd, env=self.env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        fh.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"klappt serve ended: {self.log.read_text(errors='replace')[-3000:]}"
                )
            try:
                if Session(self.base, timeout=2).get("/login/").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"klappt serve did not answer: {self.log.read_text(errors='replace')[-3000:]}"
        )

    def kill9(self) -> None:
        import os
        import signal

        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        import os
        import signal

        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def klappt(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )


def set_up_wave(
    server: Server, username: str, password: str, register: Path, form: Path
) -> dict[str, Any]:
    """Through the web pages: log in, upload the register and the form, open the wave.

    Returns the coordinator's session, the wave's id and the sites' links {site_id: path}.
    """
    import csv
    import io

    s = Session(server.base)
    page = s.get("/login/").text
    r = s.post("/login/", {"username": username, "password": password}, csrf_from=page)
    assert r.status == 302, r.text[:2000]
    slug = "default"
    page = s.get(f"/p/{slug}/sites/upload/").text
    r = s.post_file(
        f"/p/{slug}/sites/upload/", {}, "register_file", register.name, register.read_bytes(), page
    )
    assert r.status == 302, r.text[:3000]
    page = s.get(f"/p/{slug}/waves/new/").text
    r = s.post_file(
        f"/p/{slug}/waves/new/",
        {"name": "2022", "deadline": "2022-03-31"},
        "form_file",
        form.name,
        form.read_bytes(),
        page,
    )
    assert r.status == 302, r.text[:3000]
    wave_id = int(re.search(r"/w/(\d+)/", r.location).group(1))
    page = s.get(f"/p/{slug}/w/{wave_id}/settings/").text
    assert s.post(f"/p/{slug}/w/{wave_id}/open/", {}, csrf_from=page).status == 302
    text = s.get(f"/p/{slug}/sites/links.csv").body.decode("utf-8-sig")
    links = {
        row["site_id"]: urlsplit(row["link"]).path for row in csv.DictReader(io.StringIO(text))
    }
    return {"session": s, "wave": wave_id, "links": links, "slug": slug}
