"""Insights: what customers complain about, how fast they are answered, whether complaints end
in satisfied customers, and how much the help centre answers on its own.

Domain code without web imports, one module per figure family (``volume``, ``speed``,
``outcomes``, ``selfservice``, ``terms``); ``report`` puts them together for the page and the
CSV export, so the charts, the tables and the downloads show the same numbers.
"""
