"""SIM rotation: a gateway's modem slots, SIMs taking turns in them, and customers' asks."""
