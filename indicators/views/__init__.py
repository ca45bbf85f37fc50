"""Every read the pages make: cached, typed, filtered by the viewer."""
