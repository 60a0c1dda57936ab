"""Money: budgets and their reservations, estimates, live costs, reconciliation with the
upstream's bills, a reply's cost accounting, and per-user send limits."""
