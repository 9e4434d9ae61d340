"""Settings by concern; `config.settings.base` puts them together (`config.settings.test`
adds the test run's development defaults)."""
