"""Who gets cards: read a roster file (``readers`` and one reader per format), then
``validate`` it into the model (``phones`` and ``textsafety`` check its values)."""
