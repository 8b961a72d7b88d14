"""Pages of grid."""
