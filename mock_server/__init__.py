"""his-mock: a stateful mock of the hospital's HIS, driven by `openapi.yaml`."""
