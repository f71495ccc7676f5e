"""Walking diagnostics: a walk is a meeting of kind 'walk', its findings, their answers."""
