"""The poller's CSV files: `csv_rows` parses status / business-hours / timezone files in a
stream, bad rows as `RowError`s; `ingest.rejected_csv` writes the `rejected/<key>.errors.csv`
of those rows."""
