"""`simhive rotation` and `simhive numbers online/offline` on a gateway with slots."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import env, simhive

__all__ = ["env"]


def _import(env: Path, count: int) -> None:
    rows = "".join(f"1212555010{i},ATT,NY,212,bank,1\n" for i in range(count))
    csv = env / "numbers.csv"
    csv.write_text("mdn,carrier,state,area_code,gateway,online\n" + rows)
    code, _ = simhive("numbers", "import", str(csv))
    assert code == 0


class TestRotationCli:
    def test_set_list_hold_and_off(self, env: Path) -> None:
        _import(env, 3)
        code, out = simhive("rotation", "set", "bank", "--slots", "1", "--window", "45m")
        assert code == 0
        assert "bank: 1 slots, 45m windows; 1 online, 2 waiting, 0 held, 0 requests" in out
        code, out = simhive("rotation", "set", "bank", "--slots", "2")  # keeps its window
        assert code == 0 and "2 slots, 45m windows; 2 online, 1 waiting" in out
        code, out = simhive("rotation", "list")
        assert code == 0 and "bank" in out and "45m" in out
        code, out = simhive("numbers", "offline", "12125550100")
        assert code == 0 and "12125550100 offline" in out
        code, out = simhive("numbers", "list")
        assert "held" in out
        # Its slot went to the last one in line; back online it waits for a slot.
        code, out = simhive("numbers", "online", "12125550100")
        assert code == 0 and "12125550100 waits for a slot of gateway bank" in out
        code, out = simhive("rotation", "set", "bank", "--slots", "2", "--window", "default")
        assert code == 0 and "30m (default) windows" in out
        code, out = simhive("rotation", "off", "bank")
        assert code == 0 and "bank: no slots; numbers that came online: 1" in out
        code, out = simhive("rotation", "off", "bank")
        assert code == 1 and "bank has no slots set" in out

    def test_bad_values_are_one_line(self, env: Path) -> None:
        for args, words in (
            (["--slots", "0"], "slots must be 1 to 100000"),
            (["--slots", "1", "--window", "30"], "is not a duration"),
            (["--slots", "1", "--window", "30s"], "a rotation window is 60 seconds to 7 days"),
        ):
            code, out = simhive("rotation", "set", "bank", *args)
            assert code == 1 and words in out, out
        code, out = simhive("rotation", "list")
        assert "bank" not in out
