"""Placeholder; replaced below."""


def install(app, engine, authenticate) -> None:
    return None
