"""Number insight: what a number is (HLR lookup) and whether to trust it (fraud check)."""
