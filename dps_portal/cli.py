"""The portal's flask commands."""


def register_commands(app) -> None:
    return None
