"""Partners of the city contract and their commitments, followed over six years."""
