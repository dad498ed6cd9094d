"""Campaigns while they run: which are live, the day's expected curve, and the intraday watch.

- :mod:`~tasks.campaigns.plan`: the configured campaigns and the built-in retail events, and
  which are live for a store at a store-local moment;
- :mod:`~tasks.campaigns.curve`: the hour-of-day profile of comparable past days, and the
  expected cumulative curve of today with its band;
- :mod:`~tasks.campaigns.watch`: what a watch run finds (orders stopped, below the band on two
  runs running, target pace slipping), pure;
- :mod:`~tasks.campaigns.run`: one watch run against the warehouse and the alert lifecycle.
"""
