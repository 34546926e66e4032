"""Debian's nginx, run by a test: the project's site config (``deploy/nginx/helpdesk.conf``)
rendered with test ports, in the foreground, with its own prefix, temp directories and logs."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path

import httpx

NGINX = Path("/usr/sbin/nginx")
SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "helpdesk.conf"
START_TIMEOUT = 30.0


def available() -> bool:
    return NGINX.exists() and os.access(NGINX, os.X_OK)


def render_site(
    *, listen: str, backends: list[str], proxy_address: str, pinned: dict[str, str]
) -> str:
    """The site config as deployed, changed only where a test must:

    - the upstream lists the test's backends;
    - the HTTPS server listens on ``listen`` without TLS (the redirect server is dropped);
    - nginx connects to the backends from ``proxy_address`` (a loopback address of its own, so
      that the backends can tell the proxy from a client that connects directly);
    - test only: an ``X-Test-Backend: NAME`` request header picks the upstream ``pinned[NAME]``
      (one backend each), so a socket and a mutation can be sent to different servers.
    """
    text = SITE.read_text()
    upstream = re.search(r"upstream helpdesk \{.*?\n\}", text, re.S)
    assert upstream, "no upstream block"
    servers = "".join(f"    server {b};\n" for b in backends)
    block = re.sub(r"(    server [^\n]+\n)+", servers, upstream.group(0), count=1)
    extra = "".join(
        f"upstream helpdesk_{name} {{ server {backend}; keepalive 4; }}\n"
        for name, backend in pinned.items()
    )
    choices = "".join(f"    {name} helpdesk_{name};\n" for name in pinned)
    extra += f"map $http_x_test_backend $helpdesk_pool {{\n    default helpdesk;\n{choices}}}\n"
    text = text.replace(upstream.group(0), block + "\n" + extra)
    redirect = re.search(r"server \{\n    listen 80;.*?\n\}\n", text, re.S)
    assert redirect, "no redirect server"
    text = text.replace(redirect.group(0), "")
    assert "    listen 443 ssl;\n" in text
    text = text.replace("    listen 443 ssl;\n", f"    listen {listen};\n")
    text = re.sub(r"    listen \[::\]:443 ssl;\n", "", text)
    text = re.sub(r"    ssl_certificate[^\n]*\n", "", text)
    text = text.replace("proxy_pass http://helpdesk;", "proxy_pass http://$helpdesk_pool;")
    text = text.replace(
        "    proxy_http_version 1.1;\n",
        f"    proxy_http_version 1.1;\n    proxy_bind {proxy_address};\n",
    )
    return text


class Nginx:
    def __init__(self, prefix: Path, site: str, port: int) -> None:
        self.prefix = prefix
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "site.conf").write_text(site)
        temp = {name: prefix / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers write the temp dirs
        (prefix / "nginx.conf").write_text(
            f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    log_format forwarded '$remote_addr "$request" $status $upstream_addr';
    access_log {prefix}/access.log forwarded;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {prefix}/site.conf;
}}
"""
        )

    def start(self) -> None:
        command = [str(NGINX), "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")]
        command += ["-e", str(self.prefix / "error.log")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self._process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(self.prefix / "stderr.log").open("ab"),
        )

    async def wait_ready(self) -> None:
        """Until a request through the proxy reaches a backend (bounded)."""

        async def poll() -> None:
            async with httpx.AsyncClient(timeout=2) as http:
                while True:
                    assert self._process is not None and self._process.poll() is None, self.log()
                    try:
                        if (await http.get(f"{self.base}/healthz")).status_code == 200:
                            return
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)

        await asyncio.wait_for(poll(), START_TIMEOUT)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # nginx: fast shutdown
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)

    def log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def access_lines(self) -> list[str]:
        path = self.prefix / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []
