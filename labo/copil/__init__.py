"""The steering committee's (COPIL) view: aggregated opinions, evaluation indicators, exports and the annual report."""
