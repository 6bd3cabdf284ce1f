"""Helpers the test packages share: free ports and real server processes on 127.0.0.1."""
