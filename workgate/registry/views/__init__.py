"""Pages of the registry: enterprises, employees (one file per person), roster imports."""
