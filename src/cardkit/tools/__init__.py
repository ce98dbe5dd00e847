"""Commands around printing: ``preview``, ``samples``, ``exhibit``, ``diff``, ``scaffold``
(init, new) and ``reference`` (docs/reference.md). They use the API; nothing uses them."""
