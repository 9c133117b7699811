"""Help center search: Chinese segmentation, synonyms, typo tolerance, BM25-style ranking.

``text`` turns raw text into tokens, ``query`` turns a user's query into weighted terms,
``lexical`` ranks them over an in-memory inverted index, ``rerank`` and ``fusion`` refine that
with the closest phrasing and sentence vectors, ``engine`` ties it together.
"""
