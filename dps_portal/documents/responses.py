"""Sending a document to the browser: always as a download it must not sniff or keep."""

from flask import send_file


def attachment(stream, *, media_type: str, filename: str):
    response = send_file(
        stream,
        mimetype=media_type,
        as_attachment=True,
        download_name=filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
