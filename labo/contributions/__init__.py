"""The "pot commun": ideas, wishes, initiatives and questions from residents,
their supports and comments, their moderation by commune referents, and the
decider's answer."""
