"""The Labo's letter: one per commune and one for the whole agglomeration,
composed from the site's data, sent to people who subscribed without an
account (email or SMS, double opt-in), printed for ambassadors to hand out."""
