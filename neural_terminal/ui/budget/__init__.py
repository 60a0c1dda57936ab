"""The budget's vars, panel, banners and figures."""
