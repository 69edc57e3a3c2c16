"""The interactive report: one self-contained ``report.html`` per results folder (see ``build``)."""
