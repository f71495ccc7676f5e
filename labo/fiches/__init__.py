"""Experience fiches: the Labo's toolbox of what was tried, how, and what it taught."""
