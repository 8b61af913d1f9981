"""target-duckdb-sdk: Singer records into a DuckDB file, typed, upserted by key, nothing lost."""
