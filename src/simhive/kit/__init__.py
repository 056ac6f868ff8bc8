"""Domain-free helpers: clock, money, ids, phone numbers, secrets."""
