#!/usr/bin/env bash
# Compile Caseway's stylesheets (left-to-right and mirrored right-to-left) and copy the
# GOV.UK Frontend script and MOJ's filter toggle into static/. Run by scripts/setup.sh
# through `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."

out=static
rm -rf "$out.partial" && mkdir -p "$out.partial/js" "$out.partial/govuk" "$out.partial/images"
# sass writes an output file even when it fails: trust its exit status, not the file.
node_modules/.bin/sass --load-path=node_modules --load-path=. --style=compressed --no-source-map \
    assets/scss/caseway.scss "$out.partial/caseway.css"
node_modules/.bin/rtlcss --silent "$out.partial/caseway.css" "$out.partial/caseway.rtl.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$out.partial/govuk/"
# MOJ's filter toggle, self-contained: fetched only by pages with MOJ's filter.
mkdir -p "$out.partial/moj"
cp node_modules/@ministryofjustice/frontend/moj/components/filter-toggle-button/filter-toggle-button.bundle.mjs \
    "$out.partial/moj/filter-toggle-button.mjs"
cp assets/js/*.mjs "$out.partial/js/"
cp assets/images/* "$out.partial/images/"
rm -rf "$out" && mv "$out.partial" "$out"
echo "assets built into $out/: $(wc -c <"$out/caseway.css") B LTR, $(wc -c <"$out/caseway.rtl.css") B RTL"
