"""The web server around the Dash app: sign-in, security headers and error answers, health, logs."""
