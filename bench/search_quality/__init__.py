"""Search quality: recall@5 and MRR of the knowledge-base search on relevance sets."""


def run(quick: bool = True) -> list:
    from bench.search_quality.runner import run as run_quality

    return run_quality(quick)
