"""Mail: how messages leave (SMTP, or files for development) and the links they carry."""
