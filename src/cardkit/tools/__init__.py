"""Commands around printing: ``preview``, ``samples``, ``exhibit``, ``diff``, ``scaffold``
(init, new), ``reference`` (docs/reference.md) and ``i18n_extract`` (help texts for Babel)."""
