"""The accounts tables of hosted mode: users, signed-in sessions, failed-login counts."""
