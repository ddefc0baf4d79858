# Headless Chromium for the report's browser test. Included by the Makefile (`-include mk/*.mk`);
# uses its SUDO. Installed only when /usr/bin/chromium is missing (about 25 s, ~500 MB).
CHROMIUM := /usr/bin/chromium

.PHONY: system-deps-browser

system-deps-browser: ## Install headless Chromium (Debian package chromium) when missing
	@test -x $(CHROMIUM) || \
	  { $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Hook into the main target: the tests open the HTML report in Chromium.
system-deps: system-deps-browser
