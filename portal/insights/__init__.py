"""Insights: what customers complain about, how fast they are answered, whether complaints end
in satisfied customers, and how much the help centre answers on its own.

Domain code without web imports, one module per figure family (``volume``, ``speed``,
``outcomes``, ``selfservice``, ``terms``) over one pass of counts (``counts``); ``summary`` and
``self_service_summary`` keep the daily summaries the page reads, ``worktime`` the measured
working times; ``report`` puts everything together for the page and ``tables`` for the CSV
export, so the charts, the tables and the downloads show the same numbers.
"""
