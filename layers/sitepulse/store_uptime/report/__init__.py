"""Store uptime reports: report rows and CSV (`rows`), the report records, the Step Functions
pipeline steps, the API service."""
