"""The Labo's formal opinions ("avis du Labo") and their addressees' answers."""
