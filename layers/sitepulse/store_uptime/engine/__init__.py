"""Pure store-uptime arithmetic, no I/O: `timestamps` (epoch microseconds), `business_hours`
(weekly local hours → UTC intervals, DST-aware), `uptime` (nearest-poll timeline per window)."""
