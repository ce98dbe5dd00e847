"""Faces laid out by WeasyPrint: ``faces`` (one officer's front and back), ``batch`` (chunks in
parallel, merged into one face PDF), ``measure`` and ``fit`` (text boxes, the ``fit:``
policy), ``qr``, ``fontcache`` and ``glyphs`` (text as outlines), ``stamp`` (a plate laid out
once, every officer stamped on it)."""
