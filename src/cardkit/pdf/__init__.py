"""The PDF that is written: ``assemble`` (faces onto sheets or 1-up pages, metadata,
reproducible bytes) and ``pdfx`` (CMYK, PDF/X-4, the RGB read-back)."""
