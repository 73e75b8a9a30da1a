"""The knowledge base on the public web: the live search index, the help-centre pages, votes,
the search log and article suggestions beside the complaint form.

``kb`` holds the content and the search engine; this package keeps the index in step with the
database (``service``), builds what each page shows (``pages``) and serves it (``*routes``).
"""
