"""Which gateways a process runs, from the settings."""

from __future__ import annotations

import random
from typing import Any

from simhive.kit.clock import Clock
from simhive.settings import Settings


def build_gateways(settings: Settings, clock: Clock) -> dict[str, Any]:
    """The gateways this deployment runs, by name (the simulator is the embedded default)."""
    gateways: dict[str, Any] = {}
    if settings.simulator_enabled:
        from simhive.gateways.simulator import SimulatorGateway

        gateways["simulator"] = SimulatorGateway(
            clock=clock,
            rng=random.Random(settings.simulator_seed),
            auto_reply_delay=settings.simulator_auto_reply_s,
            flap_probability=settings.simulator_flap_probability,
            unreachable=frozenset(
                n.strip() for n in settings.simulator_unreachable.split(",") if n.strip()
            ),
        )
    return gateways
