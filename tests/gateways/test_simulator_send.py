"""The simulator sends SMS from its numbers: each message once, none from an offline SIM."""

from __future__ import annotations

import pytest

from simhive.gateways.base import PermanentGatewayError, SmsSender
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.clock import FrozenClock

MDN = "12125550100"


class TestSimulatorSendSms:
    def test_is_an_sms_sender_and_records_what_it_sent(self) -> None:
        clock = FrozenClock()
        simulator = SimulatorGateway(clock=clock)
        assert isinstance(simulator, SmsSender)
        ref = simulator.send_sms(mdn=MDN, to="22000", text="STOP", ref="out-1")
        (sent,) = simulator.sent.values()
        assert (sent.mdn, sent.to, sent.text, sent.gateway_ref) == (MDN, "22000", "STOP", ref)
        assert sent.sent_at == clock.now()

    def test_a_repeated_reference_is_sent_once(self) -> None:
        simulator = SimulatorGateway(clock=FrozenClock())
        first = simulator.send_sms(mdn=MDN, to="22000", text="hi", ref="out-1")
        again = simulator.send_sms(mdn=MDN, to="22000", text="hi", ref="out-1")
        other = simulator.send_sms(mdn=MDN, to="22000", text="hi", ref="out-2")
        assert first == again != other and len(simulator.sent) == 2

    def test_an_offline_sim_refuses_for_good(self) -> None:
        simulator = SimulatorGateway(clock=FrozenClock(), flap_probability=1.0)
        assert simulator.flap([MDN]) == [(MDN, False)]
        with pytest.raises(PermanentGatewayError):
            simulator.send_sms(mdn=MDN, to="22000", text="hi", ref="out-1")
        assert simulator.sent == {}
