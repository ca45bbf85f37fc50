"""Warning rules and the alerts they raise."""
