#!/usr/bin/env bash
# Build a Debian package from the one-folder bundle, with Debian's own tool (dpkg-deb).
#
#   packaging/make_deb.sh [dist/simdesk] [dist]     -> dist/simdesk_VERSION_ARCH.deb
#
# The bundle goes to /opt/simdesk, the command to /usr/bin/simdesk, a menu entry to
# /usr/share/applications. Learner data stays in each user's home (or SIMDESK_HOME), so removing
# or upgrading the package never touches it. Depends lists the desktop libraries the bundle
# leaves to the system (X11/xcb, GL, fontconfig, glib, dbus): see packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle="${1:-dist/simdesk}"
out="${2:-dist}"
[ -x "$bundle/simdesk" ] || { echo "No bundle at $bundle: run \`make bundle\` first." >&2; exit 2; }
command -v dpkg-deb >/dev/null || { echo "dpkg-deb is missing: apt-get install dpkg-dev" >&2; exit 2; }

version="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)"
arch="$(dpkg --print-architecture)"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
         "$root/usr/share/doc/simdesk"
cp -a "$bundle" "$root/opt/simdesk"
ln -s /opt/simdesk/simdesk "$root/usr/bin/simdesk"
cp "$bundle/THIRD_PARTY_LICENSES" "$root/usr/share/doc/simdesk/copyright"
cat > "$root/usr/share/applications/simdesk.desktop" <<EOF
[Desktop Entry]
Type=Application
Name=simdesk
Comment=Offline clinical case simulator
Exec=/opt/simdesk/simdesk
Terminal=false
Categories=Education;MedicalSoftware;
EOF
size_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
# The newest glibc symbol any bundled binary needs: the oldest system the bundle runs on.
glibc="$(find "$bundle" -type f \( -name '*.so*' -o -name simdesk \) -exec objdump -T {} + 2>/dev/null \
         | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)"
cat > "$root/DEBIAN/control" <<EOF
Package: simdesk
Version: $version
Architecture: $arch
Maintainer: simdesk developers <simdesk@localhost>
Installed-Size: $size_kb
Section: education
Priority: optional
Depends: libc6 (>= ${glibc:-2.31}), libgl1, libegl1, libfontconfig1, libfreetype6, libglib2.0-0 | libglib2.0-0t64, libdbus-1-3, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xfixes0, libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, libzstd1
Description: Offline desktop clinical case simulator
 A trainee takes a history from a virtual patient voiced by a small local
 language model, examines, orders tests, treats, commits to a diagnosis and
 gets an evidence-backed debrief. Everything runs offline; learner data is
 kept encrypted in each user's home folder. Includes the default model.
EOF
deb="$out/simdesk_${version}_${arch}.deb"
mkdir -p "$out"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$deb" >/dev/null
echo "$deb ($(du -m "$deb" | cut -f1) MB)"
