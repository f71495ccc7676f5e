"""Questionnaires answered online, with a printed card, on paper or at the
door, and their results (aggregated, small groups hidden)."""
