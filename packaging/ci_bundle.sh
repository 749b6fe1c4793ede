#!/usr/bin/env bash
# CI for the desktop bundle (run by .ci/run after `make test`): build it, and check it the way a
# clinic laptop gets it.
#   1. `make bundle` -> dist/simdesk (one folder).
#   2. `simdesk --self-test` from the bundle in a clean environment: `env -i`, no venv on PATH,
#      empty temporary HOME and SIMDESK_HOME, offscreen.
#   3. A .deb built with dpkg-deb; as root, installed with apt-get (which brings the desktop
#      libraries it depends on), its self-test run the same way, and removed again.
#   4. The GUI started from the bundle (on Xvfb when it can be had, offscreen otherwise), its
#      window saved to artifacts/bundle-window.png.
#   5. benchmarks/bundle_report.py: size by component, launch-to-window time vs bare Qt.
# Every output goes to artifacts/bundle-*.txt too. Exits non-zero if any step 1-4 fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
scratch="$(mktemp -d)"
xvfb_pid=""
installed_deb=""
cleanup() {
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    if [ -n "$installed_deb" ]; then
        apt-get remove -y -qq simdesk >/dev/null 2>&1 || dpkg -r simdesk >/dev/null 2>&1 || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT
step() { echo; echo "== ci_bundle: $*"; }

# A clean environment: nothing of the caller's but what the program needs.
clean_env() {
    local home="$scratch/home-$RANDOM"
    mkdir -p "$home"
    env -i HOME="$home" SIMDESK_HOME="$home/simdesk" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 QT_QPA_PLATFORM="${QPA:-offscreen}" ${DISPLAY:+DISPLAY=$DISPLAY} "$@"
}

step "1. make bundle"
started=$SECONDS
make bundle
echo "built dist/simdesk in $((SECONDS - started)) s ($(du -sm dist/simdesk | cut -f1) MiB)"

step "2. self-test from the bundle (env -i, empty HOME and SIMDESK_HOME, offscreen)"
clean_env dist/simdesk/simdesk --self-test 2>&1 | tee artifacts/bundle-self-test.txt
[ "${PIPESTATUS[0]}" -eq 0 ]

step "3. .deb (dpkg-deb)"
deb="$(packaging/make_deb.sh dist/simdesk dist | tail -1 | cut -d' ' -f1)"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Depends:/p'
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt_install() {
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
            >/dev/null 2>&1 || {
            apt-get update -qq >/dev/null 2>&1
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
        }
    }
    apt_install "$PWD/$deb"
    installed_deb="$deb"
    echo "installed $(dpkg-query -W -f='${Package} ${Version}' simdesk) into /opt/simdesk"
    clean_env /usr/bin/simdesk --self-test 2>&1 | tee artifacts/bundle-deb-self-test.txt
    [ "${PIPESTATUS[0]}" -eq 0 ]
    apt_install xvfb || echo "Xvfb could not be installed: the window is checked offscreen"
else
    echo "not root: the .deb is unpacked, not installed"
    dpkg-deb -x "$deb" "$scratch/deb"
    clean_env "$scratch/deb/opt/simdesk/simdesk" --self-test 2>&1 | tee artifacts/bundle-deb-self-test.txt
    [ "${PIPESTATUS[0]}" -eq 0 ]
fi

step "4. the window, started from the bundle"
QPA=offscreen
if command -v Xvfb >/dev/null; then
    display=":$((90 + RANDOM % 9))"
    Xvfb "$display" -screen 0 1366x768x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
    xvfb_pid=$!
    sleep 1
    export DISPLAY="$display"
    QPA=xcb
fi
rm -f artifacts/bundle-window.png
clean_env SIMDESK_STARTUP_PROBE=1 SIMDESK_SCREENSHOT="$PWD/artifacts/bundle-window.png" \
    dist/simdesk/simdesk
[ -s artifacts/bundle-window.png ] || { echo "no screenshot was saved" >&2; exit 1; }
echo "artifacts/bundle-window.png ($QPA)"

step "5. size by component and launch-to-window time"
if [ "$QPA" = xcb ]; then unset QT_QPA_PLATFORM; fi
PYTHONPATH=src .venv-bundle/bin/python benchmarks/bundle_report.py --bundle dist/simdesk \
    | tee artifacts/bundle-report.txt || echo "(a bundle target is missed: see above)"
