"""The bank's own operations as standalone scripts (see bank/scripts.py)."""
