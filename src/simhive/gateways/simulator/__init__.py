"""The simulator gateway: the embedded default, and the load tests' phone farm."""

from simhive.gateways.simulator.gateway import SimulatorGateway
from simhive.gateways.simulator.numbers import generate_numbers
from simhive.gateways.simulator.templates import sample_message

__all__ = ["SimulatorGateway", "generate_numbers", "sample_message"]
