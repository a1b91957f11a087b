"""Template context: the current merchant."""


def merchant(request) -> dict:
    return {"merchant": getattr(request, "merchant", None)}
