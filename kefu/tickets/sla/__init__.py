"""Service levels: which policy a ticket falls under (``policy``), working time (``calendar``),
its clocks (``clocks.track``) and the periodic scan that warns, breaches and escalates
(``scan``)."""
