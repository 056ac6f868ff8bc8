"""Long-term rentals: a number held by one account for days, renewed while paid."""
