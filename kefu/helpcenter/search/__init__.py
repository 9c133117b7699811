"""Help center search: Chinese segmentation, synonyms, typo tolerance, BM25-style ranking.

``text`` turns raw text into tokens, ``query`` turns a user's query into weighted terms,
``backends`` run them against the database's own full-text index, ``engine`` ties it together.
"""
