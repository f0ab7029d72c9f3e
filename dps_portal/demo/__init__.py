"""The demo portal's data: a framework, staff, and providers with homes from CQC sample files."""
