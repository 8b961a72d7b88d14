"""Pages of screening: region risk and lists, people's risk, campaigns, callers' queue, returns."""
