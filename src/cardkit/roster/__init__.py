"""Who gets cards: ``read`` a roster (one reader per format makes ``records``), then
``validate`` it into the model (``phones`` and ``textsafety`` check its values)."""
