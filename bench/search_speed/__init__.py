"""Search speed at 10,000 and 50,000 synthetic articles, beside SQLite FTS5."""


def run(quick: bool = True) -> list:
    from bench.search_speed.runner import run as run_speed

    return run_speed(quick)
