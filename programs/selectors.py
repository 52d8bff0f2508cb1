def learner_dashboard(user) -> dict:
    """What the learner dashboard shows for this app."""
    return {"items": []}
