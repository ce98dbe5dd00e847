"""The PDF that is written: ``assemble`` (faces onto sheets or 1-up pages, metadata,
reproducible bytes), ``pdfx`` (CMYK, PDF/X-4, the RGB read-back), ``stream`` (a PDF written
object by object) and ``concat`` (a big job's parts as one PDF, one part open at a time)."""
