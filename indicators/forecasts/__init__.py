"""The forecast batch: reads series from the store, runs ``forecasting`` models, writes forecasts."""
