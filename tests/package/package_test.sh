#!/usr/bin/env bash
# Builds the Debian package, installs it with dpkg, validates the installed configuration with the
# installed daemon, then purges it. Usage: package_test.sh SOURCE_DIR WORK_DIR. Exit 77: skipped.
set -euo pipefail

src=$(cd "$1" && pwd)
work=$2
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack; do
  command -v "$tool" >/dev/null || skip "$tool is missing (scripts/bootstrap installs dpkg-dev)"
done
if dpkg-query -W -f='${Status}' controlcenter 2>/dev/null | grep -q "installed"; then
  skip "the controlcenter package is installed on this machine; not touching it"
fi
user_existed=no
getent passwd controlcenter >/dev/null && user_existed=yes
group_existed=no
getent group controlcenter >/dev/null && group_existed=yes

cleanup() {
  dpkg --purge controlcenter >/dev/null 2>&1 || true
  # The maintainer scripts keep the system user (Debian practice); the test must not.
  [ "$user_existed" = yes ] || userdel controlcenter >/dev/null 2>&1 || true
  [ "$group_existed" = yes ] || groupdel controlcenter >/dev/null 2>&1 || true
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== build (Release, prefix /usr) in $work"
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DCC_BUILD_TESTS=OFF -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
cmake --build "$work" -j2 >/dev/null
rm -f "$work"/controlcenter_*.deb
(cd "$work" && cpack -G DEB >/dev/null)
debs=("$work"/controlcenter_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one controlcenter_*.deb in $work"
deb=${debs[0]}
echo "== $(basename "$deb")"

contents=$(dpkg-deb -c "$deb")
for f in ./usr/sbin/controlcenterd ./usr/bin/controlcenterctl \
  ./lib/systemd/system/controlcenterd.service ./lib/systemd/system/controlcenterd.socket \
  ./etc/controlcenter/controlcenterd.properties ./usr/lib/sysusers.d/controlcenter.conf \
  ./usr/lib/tmpfiles.d/controlcenter.conf ./usr/share/doc/controlcenter/copyright \
  ./usr/share/doc/controlcenter/changelog.Debian.gz ./usr/share/man/man1/controlcenterctl.1.gz \
  ./usr/share/man/man8/controlcenterd.8.gz \
  ./usr/share/bash-completion/completions/controlcenterctl \
  ./usr/share/zsh/vendor-completions/_controlcenterctl; do
  grep -q " $f\$" <<<"$contents" || fail "$f is not in the package"
done
dpkg-deb -f "$deb" Depends | grep -q libpoco || fail "Depends lacks the Poco libraries (shlibdeps)"
dpkg-deb -f "$deb" Depends | grep -q libpocoredis ||
  fail "Depends lacks libpocoredis80 (the Redis client of the shared state)"

echo "== install"
dpkg -i "$deb"
dpkg-query -W -f='${Conffiles}' controlcenter | grep -q "/etc/controlcenter/controlcenterd.properties" ||
  fail "the configuration file is not a conffile"
getent passwd controlcenter >/dev/null || fail "postinst did not create the controlcenter user"
[ "$(stat -c %U /var/lib/controlcenter)" = controlcenter ] ||
  fail "/var/lib/controlcenter is not owned by controlcenter"
/usr/sbin/controlcenterd --check-config -c /etc/controlcenter/controlcenterd.properties ||
  fail "the installed daemon rejects the installed configuration"
/usr/bin/controlcenterctl completion bash | cmp -s - /usr/share/bash-completion/completions/controlcenterctl ||
  fail "the installed bash completion differs from the ctl's output"

echo "== remove keeps the state, purge deletes it"
touch /var/lib/controlcenter/keep-me
dpkg --remove controlcenter
[ ! -e /usr/sbin/controlcenterd ] || fail "remove left /usr/sbin/controlcenterd"
[ -e /var/lib/controlcenter/keep-me ] || fail "remove deleted the state directory"
dpkg --purge controlcenter
[ ! -e /var/lib/controlcenter ] || fail "purge left /var/lib/controlcenter"
[ ! -e /etc/controlcenter/controlcenterd.properties ] || fail "purge left the conffile"
echo "PASS"
