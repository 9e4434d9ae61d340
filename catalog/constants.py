"""Catalog numbers that more than one layer agrees on."""

LOW_STOCK_THRESHOLD = 5
"""A product with 1..LOW_STOCK_THRESHOLD units in stock is "low" (the admin's stock filter)."""
