"""Which webhook targets are refused, judged without the network (resolvers are injected)."""

from __future__ import annotations

import ipaddress

import pytest

from simhive.core.events import targets


def resolver(*answers: list[str]) -> targets.Resolver:
    """A resolver that gives each answer in turn, as a rebinding DNS server does."""
    given = iter(answers)

    def resolve(host: str, port: int) -> list[str]:
        return next(given)

    return resolve


class TestUrlProblem:
    @pytest.mark.parametrize(
        "url",
        [
            "http://:@hooks.example.com/",
            "http://@hooks.example.com/",
            "http://user@hooks.example.com/",
            "http://user:secret@hooks.example.com/",
            "https://:secret@hooks.example.com/",
        ],
    )
    def test_credentials_are_refused_even_empty(self, url: str) -> None:
        for allow_private in (False, True):
            problem = targets.url_problem(url, allow_private=allow_private)
            assert problem == "credentials in the URL are not allowed"

    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("ftp://hooks.example.com/", "only http and https URLs are allowed"),
            ("http:///path", "the URL has no host"),
            ("http://hooks.example.com:http/", "not a valid URL"),
        ],
    )
    def test_malformed_urls_are_refused(self, url: str, reason: str) -> None:
        assert targets.url_problem(url, allow_private=True) == reason

    @pytest.mark.parametrize(
        ("url", "embedded"),
        [
            ("http://[::ffff:127.0.0.1]/", None),
            ("http://[::127.0.0.1]/", "127.0.0.1"),
            ("http://[::10.0.0.1]/", "10.0.0.1"),
            ("http://[64:ff9b::7f00:1]/", "127.0.0.1"),
            ("http://[64:ff9b::a9fe:a9fe]/", "169.254.169.254"),
            ("http://[2002:c0a8:101::1]/", "192.168.1.1"),
            ("http://[2002:7f00:1::]/", "127.0.0.1"),
            ("http://[64:ff9b:1::808:808]/", None),
        ],
    )
    def test_ipv6_literals_embedding_private_ipv4_are_refused(
        self, url: str, embedded: str | None
    ) -> None:
        problem = targets.url_problem(url, allow_private=False)
        assert problem is not None
        assert "non-public address" in problem
        if embedded is not None:
            assert f"({embedded})" in problem
        assert targets.url_problem(url, allow_private=True) is None

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1/",
            "http://10.1.2.3:8080/hook",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://0.0.0.0/",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:8080/",
            "http://api.localhost/",
            "http://localhost./",
        ],
    )
    def test_private_literals_and_loopback_names_are_refused(self, url: str) -> None:
        assert targets.url_problem(url, allow_private=False) is not None
        assert targets.url_problem(url, allow_private=True) is None

    @pytest.mark.parametrize(
        "url",
        [
            "https://hooks.example.com/simhive",
            "http://8.8.8.8/",
            "http://[2606:4700::1111]/",
            "http://[64:ff9b::808:808]/",
            "http://[2002:808:808::1]/",
        ],
    )
    def test_public_targets_pass(self, url: str) -> None:
        assert targets.url_problem(url, allow_private=False) is None


class TestAddressProblem:
    @pytest.mark.parametrize(
        ("address", "embedded"),
        [
            ("::ffff:10.0.0.1", "10.0.0.1"),
            ("::127.0.0.1", "127.0.0.1"),
            ("64:ff9b::c0a8:0101", "192.168.1.1"),
            ("2002:0a00:0001::", "10.0.0.1"),
            # Teredo: server 65.54.227.120, client 192.0.2.45 (a documentation range).
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", None),
        ],
    )
    def test_embedded_private_ipv4_is_private(self, address: str, embedded: str | None) -> None:
        ip = ipaddress.ip_address(address)
        problem = targets.address_problem(ip, allow_private=False, host="hooks.example.com")
        assert problem is not None
        assert problem.startswith("the host hooks.example.com resolves to")
        if embedded is not None:
            assert targets.embedded_ipv4(ip) == ipaddress.IPv4Address(embedded)
            assert f"({embedded})" in problem

    def test_teredo_client_is_unwrapped(self) -> None:
        teredo = ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:3fff:fdd2")
        assert targets.embedded_ipv4(teredo) == ipaddress.IPv4Address("192.0.2.45")

    def test_allow_private_allows_everything(self) -> None:
        for address in ("127.0.0.1", "::1", "64:ff9b::7f00:1"):
            ip = ipaddress.ip_address(address)
            assert targets.address_problem(ip, allow_private=True) is None


class TestTargetProblem:
    def test_every_resolved_address_is_vetted(self) -> None:
        problem = targets.target_problem(
            "https://hooks.example.com/x",
            allow_private=False,
            resolve=resolver(["93.184.216.34", "64:ff9b::a00:1"]),
        )
        assert problem == (
            "the host hooks.example.com resolves to 64:ff9b::a00:1, "
            "which embeds a non-public address (10.0.0.1)"
        )

    def test_public_answer_passes_and_no_answer_is_refused(self) -> None:
        url = "https://hooks.example.com/x"
        public = resolver(["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
        assert targets.target_problem(url, allow_private=False, resolve=public) is None
        empty = resolver([])
        problem = targets.target_problem(url, allow_private=False, resolve=empty)
        assert problem == "the host hooks.example.com does not resolve"

    def test_resolver_failure_is_a_problem(self) -> None:
        def failing(host: str, port: int) -> list[str]:
            raise OSError("no such host")

        problem = targets.target_problem(
            "http://nowhere.example/", allow_private=True, resolve=failing
        )
        assert problem == "the host nowhere.example does not resolve"
