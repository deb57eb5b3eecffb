"""Azure connector: Cost Management exports (files, az://, abfs://) and the Consumption API."""
