"""Participation processes (démarches) at four declared levels, their ballots and results."""
