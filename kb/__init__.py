"""The knowledge base: articles in several languages with revisions, categories, synonyms,
safe Markdown rendering, Markdown import/export and (in ``kb.search``) the search index.

It runs without the web layer: every operation is a plain function on a SQLAlchemy session.
"""
