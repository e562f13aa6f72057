"""Tables of the approval module."""
