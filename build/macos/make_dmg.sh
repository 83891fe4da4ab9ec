#!/usr/bin/env bash
# Wrap a .app as a compressed .dmg holding the app and a link to /Applications (drag to install).
#   bash build/macos/make_dmg.sh build/dist/Ganvas.app build/dist/Ganvas-0.1.0-macos-arm64.dmg [Ganvas]
# Signing and notarising happen outside (release.yml), only when their secrets are set.
set -euo pipefail

app="${1:?usage: make_dmg.sh APP.app OUT.dmg [VOLUME_NAME]}"
dmg="${2:?usage: make_dmg.sh APP.app OUT.dmg [VOLUME_NAME]}"
volume="${3:-$(basename "$app" .app)}"

[[ -d "$app" ]] || { echo "make_dmg: no app at $app" >&2; exit 1; }
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

ditto "$app" "$stage/$(basename "$app")"  # keeps symlinks, permissions and signatures
ln -s /Applications "$stage/Applications"
rm -f "$dmg"

# hdiutil now and then fails with "Resource busy" on CI runners; try a few times
for attempt in 1 2 3; do
  if hdiutil create -volname "$volume" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"; then
    echo "make_dmg: wrote $dmg"
    exit 0
  fi
  echo "make_dmg: hdiutil failed (attempt $attempt); retrying" >&2
  sleep $((attempt * 5))
done
exit 1
