"""Report categories as data (one TOML file each) and the engine that walks them."""
