"""The stable codes a verdict gives as its reason; clients may branch on them."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    OFFICIAL = "official"
    # At an official domain, but not an address the exchange publishes (a forged sender, or an
    # address nobody should trust with anything).
    UNLISTED_ADDRESS = "unlisted_address"
    LOOKALIKE_HOMOGLYPH = "lookalike_homoglyph"
    LOOKALIKE_TYPO = "lookalike_typo"
    LOOKALIKE_ADDED_WORDS = "lookalike_added_words"
    OFFICIAL_NAME_FOREIGN_DOMAIN = "official_name_foreign_domain"
    # An account named exactly like the exchange ("@beacon") that the exchange does not own.
    OFFICIAL_NAME_UNLISTED = "official_name_unlisted"
    NOT_LISTED = "not_listed"
    INVALID = "invalid"

    @property
    def rank(self) -> int:
        """Which of several readings of one value to answer with: the most telling."""
        if self == Reason.OFFICIAL:
            return 0
        if self == Reason.NOT_LISTED:
            return 2
        return 3 if self == Reason.INVALID else 1
