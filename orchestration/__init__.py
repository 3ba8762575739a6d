"""Corridor: a bilateral trade statistics warehouse (Dagster + DuckDB + dbt)."""
