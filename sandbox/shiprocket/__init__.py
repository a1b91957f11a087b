"""A Shiprocket simulator: the external API's paths, login tokens, limits and errors, realistic
journeys on its own clock, and the tracking webhook (see :mod:`.services`)."""
