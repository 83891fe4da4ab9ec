#!/bin/sh
# Put Ganvas in your applications menu (for you alone, no administrator needed).
# Run it from the unpacked Ganvas folder:  ./install-desktop-entry.sh
# Moved the folder? Run it again. To undo, delete the two files it names.
set -e
here=$(cd "$(dirname "$0")" && pwd)
share="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$share/applications"
icons="$share/icons/hicolor/256x256/apps"
mkdir -p "$apps" "$icons"
cp "$here/ganvas.png" "$icons/ganvas.png"
# the menu entry must name the program by its full path: this folder is not on PATH
sed "s|^Exec=.*|Exec=\"$here/Ganvas\"|" "$here/ganvas.desktop" > "$apps/ganvas.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "Ganvas is in your applications menu now:"
echo "  $apps/ganvas.desktop"
echo "  $icons/ganvas.png"
