"""Pages of duty."""
