"""his-conformance: checks that an HIS deployment keeps the contract of `openapi.yaml`."""
