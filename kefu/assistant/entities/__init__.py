"""Entity extraction: tx hashes, addresses, ids, coins, networks, amounts and times.

Every address is validated (checksum or structure), not just pattern-matched.
"""

from .addresses import AddressCheck, check_address, invalid_addresses
from .base import Entity
from .extract import extract_entities

__all__ = ["AddressCheck", "Entity", "check_address", "extract_entities", "invalid_addresses"]
