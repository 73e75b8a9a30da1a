"""``python -m bench.search_speed [--sizes 10000,50000] [--quick]``."""

from bench.search_speed.runner import main

main()
