"""Search speed at 10,000 and 50,000 synthetic articles, beside SQLite FTS5."""
