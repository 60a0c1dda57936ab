"""The app's own origins and host names, from its settings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from neural_terminal.security.policy import access_policy, host_name, origin_of
from neural_terminal.settings import Settings


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        pytest.param("http://LocalHost:3000/path?q", "http://localhost:3000", id="lowercased"),
        pytest.param("https://chat.example.com:443", "https://chat.example.com", id="default-port"),
        pytest.param("http://[::1]:3000", "http://[::1]:3000", id="ipv6"),
        pytest.param("null", None, id="null"),
        pytest.param("file:///etc/passwd", None, id="file"),
        pytest.param("http://host:99999", None, id="bad-port"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    ("header", "name"),
    [
        pytest.param("127.0.0.1:3000", "127.0.0.1", id="ipv4"),
        pytest.param("[::1]:3000", "::1", id="ipv6"),
        pytest.param("LOCALHOST", "localhost", id="no-port"),
        pytest.param("evil.example:3000", "evil.example", id="rebound"),
    ],
)
def test_host_names_come_without_their_port(header: str, name: str) -> None:
    assert host_name(header) == name


def test_a_loopback_server_accepts_only_its_own_port_on_loopback_names() -> None:
    policy = access_policy(Settings(), ports=(3000,))

    assert policy.allows_origin("http://127.0.0.1:3000")
    assert policy.allows_origin("http://localhost:3000")
    assert policy.allows_origin("http://[::1]:3000")
    assert not policy.allows_origin("http://127.0.0.1:3001")  # another local app
    assert not policy.allows_origin("https://127.0.0.1:3000")
    assert not policy.allows_origin("null")
    assert policy.allows_host("127.0.0.1:3000")
    assert not policy.allows_host("evil.example:3000")
    assert not policy.allows_host("")


def test_configured_origins_add_their_host_names() -> None:
    settings = replace(Settings(), allowed_origins=("https://chat.example.com",))

    policy = access_policy(settings, ports=(3000,))

    assert policy.allows_origin("https://chat.example.com")
    assert policy.allows_host("chat.example.com")
    assert not policy.allows_host("example.com")


def test_the_csp_lists_no_ipv6_literal_it_cannot_parse() -> None:
    sources = access_policy(Settings(), ports=(3000,)).connect_sources()

    assert "ws://127.0.0.1:3000" in sources
    assert not any("[" in source for source in sources)
