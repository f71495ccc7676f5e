"""The residents' micro-projects fund: rounds opened by an administrator,
applications from groups of residents, the referent's opinion, the
committee's votes and decision, the payment, the spending deadline and the
group's report."""
