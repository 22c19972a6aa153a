"""Small HTTP servers for testing the contract suite: one conforming, one breakage at a time."""
