"""Dagster runs the collection's Meltano project: per account and day, retries by Dagster, state by Meltano."""
