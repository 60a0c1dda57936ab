"""The nginx configuration rendered from deploy/nginx.conf.in: every placeholder filled, the
pages' CSP holding the export's script hashes, and accepted by nginx itself (`nginx -t`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from neural_terminal.launch.nginx import TEMPLATE, NginxSite
from neural_terminal.security import inline_script_hashes

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _site(tmp_path: Path, public_url: str) -> NginxSite:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><script>window.boot = 1</script></html>")
    return NginxSite(
        public_url=public_url,
        site=site,
        workers=["127.0.0.1:8001", "127.0.0.1:8002"],
        pid_file=tmp_path / "nginx.pid",
        temp_dir=tmp_path / "temp",
        log_dir=tmp_path,
        listen="127.0.0.1:18480",
        user="root",
    )


def test_the_configuration_names_the_workers_the_host_and_the_sites_scripts(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path, "https://chat.example.com")

    conf = site.render(TEMPLATE.read_text())

    assert "@@" not in conf
    assert "server 127.0.0.1:8001 max_fails=1" in conf
    assert "server 127.0.0.1:8002 max_fails=1" in conf
    assert "server_name chat.example.com;" in conf
    assert inline_script_hashes(site.site)[0] in conf
    assert "connect-src 'self' https://chat.example.com wss://chat.example.com" in conf
    assert "return 444;" in conf  # any other Host


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (make nginx)")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    site = _site(tmp_path, "http://127.0.0.1:18480")
    (tmp_path / "temp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(site.render(TEMPLATE.read_text()))

    checked = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr
