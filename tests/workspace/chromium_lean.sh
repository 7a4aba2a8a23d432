#!/bin/sh
# Debian's chromium, as Playwright starts it, without the WebUI omnibox popups that Chromium
# preloads in a renderer of their own for every window (every browser context): they took half
# the browser's CPU in the browser tests (20 s against 9 s in test_ui_safety and test_ui_runs).
# Chromium honours only the last --disable-features switch, so Playwright's own list and ours
# are merged into one instead of being appended (which would drop Playwright's).
# tests/workspace/browser.py runs this with TELCO_CHURN_CHROMIUM naming the browser.
features="WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup"
for arg do
  shift
  case "$arg" in
    --disable-features=*) features="$features,${arg#--disable-features=}" ;;
    *) set -- "$@" "$arg" ;;
  esac
done
exec "${TELCO_CHURN_CHROMIUM:-/usr/bin/chromium}" "$@" "--disable-features=$features"
