"""Demo content for ``make run``: the Nordvik help centre (categories, synonyms, articles in en,
sv and nb) and — once the back office defines them — demo staff accounts.

``load_demo`` is idempotent: the second run finds everything in place and changes nothing.
"""

from portal.demo.load import DemoReport, load_demo

__all__ = ["DemoReport", "load_demo"]
