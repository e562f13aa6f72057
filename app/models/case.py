"""Tables of the case module."""
