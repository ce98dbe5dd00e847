"""Where cards go on paper, in millimetres: ``impose`` (geometry, duplex, marks), ``papers``
(paper and margins from options and cardkit.yaml), ``stocks`` (pre-cut sheets), ``plan``
(the pages of a job) and ``calibrate`` (a printer's duplex correction)."""
