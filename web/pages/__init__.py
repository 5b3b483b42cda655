"""One module per page (or group of pages); each only parses, calls the library and renders."""
