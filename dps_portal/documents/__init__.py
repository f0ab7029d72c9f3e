"""Stored files (uploads and generated PDFs) and the PDF renderer."""
