"""Store uptime reports: the report records, the Step Functions pipeline steps, the API service."""
