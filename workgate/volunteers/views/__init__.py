"""Pages of volunteers."""
