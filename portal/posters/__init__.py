"""Posters units print: layouts, batches, the staff page and the registry of what was printed."""
