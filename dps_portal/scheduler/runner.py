def start_in_process_if_configured(app) -> None:
    return None
