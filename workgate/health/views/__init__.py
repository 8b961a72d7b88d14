"""Pages of daily health: gate station, rounds, declarations and pass, incidents."""
