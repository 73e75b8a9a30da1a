"""``python -m bench.search_quality``: recall@5 and MRR per language and kind."""

from bench.search_quality.runner import main

main()
