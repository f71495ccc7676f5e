"""The proclamation "Faire de notre agglomération un territoire participatif": its versioned text and its signatures."""
