"""Money in the database: budgets and reservations, per-user spend, prices, send activity."""
