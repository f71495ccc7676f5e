"""Residents' data under their control: the download of everything the site
holds about a person, retention durations and their purge, backups that
honour erasures, and the privacy page that says all of it."""
