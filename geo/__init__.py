"""Geography: configured cities, district boundaries and map layers."""
