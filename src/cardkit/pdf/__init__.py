"""The PDF that is written: ``assemble`` (faces onto sheets or 1-up pages, metadata,
reproducible bytes), ``merge`` (parts of a big job, streamed) and ``pdfx`` (CMYK, PDF/X-4)."""
