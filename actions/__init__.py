"""Kakekomi's custom actions (rasa_sdk), one module per concern."""
