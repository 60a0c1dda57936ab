"""The CSP allows exactly the built pages' inline scripts, by hash."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from neural_terminal.security.headers import content_security_policy, inline_script_hashes


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_inline_script_of_every_page_is_hashed_as_written(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<html><head><script>window.a = "&amp;<b>";</script>'
        '<script src="/assets/app.js"></script></head>'
        '<body><script type="module">import "/x.js";\n</script></body></html>'
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "404.html").write_text("<script>$RC('B:1')</script>")

    hashes = inline_script_hashes(tmp_path)

    assert set(hashes) == {
        sha('window.a = "&amp;<b>";'),
        sha('import "/x.js";\n'),
        sha("$RC('B:1')"),
    }


def test_the_policy_forbids_other_scripts_and_framing() -> None:
    policy = content_security_policy(
        script_hashes=("'sha256-abc'",), connect_sources=("ws://127.0.0.1:3000",)
    )
    directives = dict(part.split(" ", 1) for part in policy.split("; "))

    assert directives["script-src"] == "'self' 'sha256-abc' 'unsafe-eval'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "ws://127.0.0.1:3000" in directives["connect-src"]
