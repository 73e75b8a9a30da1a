"""Search quality: recall@5 and MRR of the knowledge-base search on relevance sets."""
