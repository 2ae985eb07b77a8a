"""Kakekomi's FastAPI gateway: the only process that faces the internet."""
