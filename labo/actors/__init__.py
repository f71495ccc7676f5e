"""The directory of actors (ambassadors, referents, associations and partner
structures) and the ambassadors' own space: invite links, relayed meetings
and their activity log."""
