"""Faces laid out by WeasyPrint: ``faces`` (one officer's front and back), ``batch`` (chunks in
parallel), ``measure`` and ``fit`` (text boxes, the ``fit:`` policy), ``qr``, fonts and glyphs."""
