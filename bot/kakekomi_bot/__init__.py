"""Kakekomi bot: custom Rasa components and maintainer tools."""
