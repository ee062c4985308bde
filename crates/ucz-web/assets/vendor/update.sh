#!/usr/bin/env bash
# Regenerates the vendored front-end assets from the npm registry (`npm pack`, pinned versions)
# and checks them against SHA256SUMS. Nothing is fetched at build or run time: the server embeds
# this folder. Run from anywhere: `bash crates/ucz-web/assets/vendor/update.sh [--check]`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent krds-uiux@1.1.0 leaflet@1.9.4 >/dev/null
mkdir krds leaflet
tar xzf krds-uiux-1.1.0.tgz -C krds
tar xzf leaflet-1.9.4.tgz -C leaflet
out="$work/out"
k="$out/krds-uiux-1.1.0"
mkdir -p "$k/resources/css/token" "$k/resources/css/component" "$k/resources/img/component" "$k/resources/fonts"
cp krds/package/README.md krds/package/package.json "$k/"
cp krds/package/resources/css/token/krds_tokens.css "$k/resources/css/token/"
cp krds/package/resources/css/component/output.css "$k/resources/css/component/"
cp -r krds/package/resources/img/component/icon "$k/resources/img/component/"
cp krds/package/resources/fonts/*.woff2 "$k/resources/fonts/"
l="$out/leaflet-1.9.4"
mkdir -p "$l"
cp leaflet/package/LICENSE leaflet/package/dist/leaflet.js leaflet/package/dist/leaflet.css "$l/"
cp -r leaflet/package/dist/images "$l/"
(cd "$out" && find . -type f | LC_ALL=C sort | xargs sha256sum) > "$work/SHA256SUMS"
if [ "${1:-}" = "--check" ]; then
  diff -u "$here/SHA256SUMS" "$work/SHA256SUMS" && echo "vendored assets match npm"
  exit
fi
rm -rf "$here/krds-uiux-1.1.0" "$here/leaflet-1.9.4"
cp -r "$out"/* "$here/"
cp "$work/SHA256SUMS" "$here/SHA256SUMS"
echo "vendored: $(wc -l < "$here/SHA256SUMS") files"
