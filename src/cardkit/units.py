"""Units, one home each: cardkit measures in millimetres; PDF content is in points
(1/72 inch) and WeasyPrint's boxes in CSS pixels (1/96 inch)."""

MM = 72 / 25.4  # PDF points in a millimetre: x_mm * MM is in points
PT_MM = 25.4 / 72  # millimetres in a PDF point
PX_MM = 25.4 / 96  # millimetres in a CSS pixel
