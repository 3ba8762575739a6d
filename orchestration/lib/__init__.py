"""Pure parsing, cleaning and quality functions, usable and tested without Dagster."""
