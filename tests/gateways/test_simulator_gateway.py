"""The simulator: valid numbers where asked, typical SMS on cue, SIMs going offline and back."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.activations.models import ActivationStatus
from simhive.core.errors import NoNumbers
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.gateways.simulator import SimulatorGateway, generate_numbers, sample_message
from simhive.gateways.simulator.templates import TEMPLATES
from simhive.kit.clock import FrozenClock
from simhive.kit.phone import area_code_state
from simhive.pins import extract_pin
from simhive.worker.runner import Worker
from tests.fixtures import world


class TestGenerateNumbers:
    def test_valid_unique_and_where_asked(self) -> None:
        made = generate_numbers(200, rng=random.Random(1), state="TX")
        assert len({n.mdn for n in made}) == 200
        for n in made:
            assert phonenumbers.is_valid_number(phonenumbers.parse("+" + n.mdn))
            assert n.state == "TX" == area_code_state(n.area_code)
            assert n.mdn[1:4] == n.area_code
        by_code = generate_numbers(5, rng=random.Random(2), area_code="415")
        assert {n.area_code for n in by_code} == {"415"}

    @pytest.mark.parametrize(("country", "prefix"), [("NL", "316"), ("GB", "447")])
    def test_mobile_numbers_of_a_country(self, country: str, prefix: str) -> None:
        made = generate_numbers(100, rng=random.Random(4), country=country)
        assert len({n.mdn for n in made}) == 100
        for n in made:
            number = phonenumbers.parse("+" + n.mdn)
            assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
            assert phonenumbers.region_code_for_number(number) == country == n.country
            assert n.mdn.startswith(prefix) and (n.state, n.area_code) == ("", "")
        assert made == generate_numbers(100, rng=random.Random(4), country=country)
        with pytest.raises(ValueError, match="US numbers"):
            generate_numbers(1, rng=random.Random(4), country=country, state="TX")

    def test_deterministic_and_respects_exclusions(self) -> None:
        first = generate_numbers(10, rng=random.Random(3))
        assert first == generate_numbers(10, rng=random.Random(3))
        again = generate_numbers(10, rng=random.Random(3), exclude={n.mdn for n in first})
        assert not {n.mdn for n in first} & {n.mdn for n in again}

    @pytest.mark.parametrize(("state", "area_code"), [("ZZ", None), (None, "999"), (None, "800")])
    def test_unknown_places_are_refused(self, state: str | None, area_code: str | None) -> None:
        with pytest.raises(ValueError):
            generate_numbers(1, rng=random.Random(), state=state, area_code=area_code)


class TestTemplates:
    @pytest.mark.parametrize("service", [*TEMPLATES, "SomethingElse"])
    def test_our_own_extractor_finds_every_code(self, service: str) -> None:
        sender, text, code = sample_message(service, random.Random(5))
        assert code in text or code.replace("G-", "") in text
        assert extract_pin(text, sender=sender, service=service) == code


class TestScheduling:
    def test_delivers_at_the_delay_and_keeps_what_the_sink_refuses(self) -> None:
        clock = FrozenClock()
        got: list[InboundSMS] = []
        failing = {"on": True}

        def sink(sms: InboundSMS) -> None:
            if failing["on"]:
                raise RuntimeError("database away")
            got.append(sms)

        sim = SimulatorGateway(clock=clock, rng=random.Random(1), auto_reply_delay=3)
        sim.start(sink)
        sim.number_reserved("12125550100", "Google")
        assert sim.tick() == 0 and sim.next_due() is not None
        clock.advance(3)
        assert sim.tick() == 0  # refused: kept for the next tick
        failing["on"] = False
        assert sim.tick() == 1
        assert got[0].to == "12125550100" and got[0].sender == "22000"
        assert sim.tick() == 0

    def test_a_restarted_simulator_seeded_alike_makes_new_refs(self) -> None:
        # Seeded refs came again after a restart: the first codes of the new run were
        # dropped as duplicates of the last run's.
        refs = []
        for _ in range(2):
            got: list[InboundSMS] = []
            sim = SimulatorGateway(clock=FrozenClock(), rng=random.Random(42))
            sim.start(got.append)
            sim.inject("12125550100", "22000", "hello")
            refs.append(got[0].gateway_ref)
        assert refs[0] != refs[1]


class TestFlapping:
    def test_numbers_go_offline_and_a_bid_gets_one_back(
        self, db: Database, clock: FrozenClock
    ) -> None:
        db.settings = db.settings.model_copy(update={"simulator_flap_probability": 1.0})
        sim = SimulatorGateway(clock=clock, rng=random.Random(1), flap_probability=1.0)
        worker = Worker(db, gateways={"simulator": sim})
        try:
            world.service(db, "Google", "1.00")
            alice = world.customer(db)
            world.numbers(db, 2)
            worker.run_pending()  # every simulated number goes offline
            with db.uow() as uow, pytest.raises(NoNumbers):
                account = uow.session.get(Account, alice.id)
                activations.request_number(
                    uow,
                    account=account,  # type: ignore[arg-type]
                    request=activations.NumberRequest(services=("Google",)),
                )
            with db.uow() as uow:
                account = uow.session.get(Account, alice.id)
                (bid,) = activations.request_number(
                    uow,
                    account=account,  # type: ignore[arg-type]
                    request=activations.NumberRequest(services=("Google",), markup=20),
                )
            clock.advance(60)
            worker.run_pending()  # back online: the waiting bid wins one at once
            with db.uow(write=False) as uow:
                account = uow.session.get(Account, alice.id)
                seen = activations.request_status(
                    uow,
                    account=account,  # type: ignore[arg-type]
                    activation_id=str(bid.id),
                )
            assert seen.status == ActivationStatus.RESERVED
        finally:
            worker.stop()
