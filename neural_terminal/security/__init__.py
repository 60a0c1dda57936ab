"""Who may use the app: the origin and host allow-list, local mode's secret, the headers."""

from neural_terminal.security import local_secret
from neural_terminal.security.admission import Admission, LocalUnlock, SessionAdmission
from neural_terminal.security.gate import AccessGate
from neural_terminal.security.headers import (
    content_security_policy,
    inline_script_hashes,
    security_headers,
)
from neural_terminal.security.policy import AccessPolicy, access_policy, origin_of

__all__ = [
    "AccessGate",
    "AccessPolicy",
    "Admission",
    "LocalUnlock",
    "SessionAdmission",
    "access_policy",
    "content_security_policy",
    "inline_script_hashes",
    "local_secret",
    "origin_of",
    "security_headers",
]
