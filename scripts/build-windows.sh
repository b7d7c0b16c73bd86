#!/usr/bin/env bash
# Cross-builds controlcenterd.exe and controlcenterctl.exe for 64-bit Windows with Debian's
# MinGW-w64, against Poco, fmt and spdlog built from Debian's own source packages, and packs the
# Windows zip. The library build is cached outside the clone (CC_WINDOWS_CACHE), keyed by the
# Poco version and the toolchain, so only a fresh machine pays for it.
#
#   scripts/build-windows.sh            # build/windows/{controlcenterd,controlcenterctl}.exe + zip
#   CC_WINDOWS_CACHE=DIR                # where the library builds live (default below)
#   CC_WINDOWS_BUILD=DIR                # the build directory (default build/windows)
#   scripts/build-windows.sh --cached   # exit 0 when the library build for this recipe is cached
#                                       # (and the toolchain installed), else say why and exit 1;
#                                       # builds and installs nothing (scripts/test.sh asks it)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${CC_WINDOWS_CACHE:-/var/cache/controlcenter-windows}
build=${CC_WINDOWS_BUILD:-$repo/build/windows}
toolchain=$repo/cmake/toolchains/mingw-w64.cmake
jobs=${CC_WINDOWS_JOBS:-2}
mode=${1:-}
now() { date +%s; }
t0=$(now)

# -- what the build needs from Debian ------------------------------------------------------------
packages=(g++-mingw-w64-x86-64-posix wine64 cmake dpkg-dev zip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
apt_updated=
if [ ${#missing[@]} -gt 0 ] && [ "$mode" = --cached ]; then
  echo "the cross toolchain is not installed (missing ${missing[*]})"
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build-windows: missing packages: ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "build-windows: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt_updated=1
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The library versions are those of Debian's packages the Linux build uses: the Windows daemon
# runs the same Poco 1.11 as the .deb.
poco_version=$(apt-cache show --no-all-versions libpoco-dev 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
[ -n "$poco_version" ] || { echo "build-windows: apt knows no libpoco-dev version" >&2; exit 1; }
fmt_version=$(apt-cache show --no-all-versions libfmt-dev | sed -n 's/^Version: //p' | head -n1)
spdlog_version=$(apt-cache show --no-all-versions libspdlog-dev | sed -n 's/^Version: //p' | head -n1)

# The cache key: the source versions, the toolchain file, the compiler and this script's library
# recipe (everything from here to the end of build_libraries).
recipe=$(sed -n '/^build_libraries()/,/^}/p' "$0")
key=$( { echo "$poco_version $fmt_version $spdlog_version"; cat "$toolchain";
         x86_64-w64-mingw32-g++-posix --version | head -n1; echo "$recipe"; } | sha256sum | cut -c1-12)
prefix=$cache/poco-${poco_version%%-*}-$key
if [ "$mode" = --cached ]; then
  [ -f "$prefix/.complete" ] && exit 0
  echo "no cached Poco cross-build for this recipe at $prefix"
  exit 1
fi

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

# apt-get source needs a deb-src entry; one is added for this run when the machine has none.
added_src=
cleanup() {
  if [ -n "$added_src" ]; then rm -f "$added_src"; fi
}
trap cleanup EXIT
ensure_deb_src() {
  if grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    [ -n "$apt_updated" ] || apt-get update -qq
    return
  fi
  added_src=/etc/apt/sources.list.d/controlcenter-build-windows-src.sources
  local suite
  suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
  cat >"$added_src" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >>"$added_src" <<EOF

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update -qq
}

# Runs one library build step with its output in a log, shown only when the step fails.
step() {
  local log=$1
  shift
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build-windows: failed: $* (log: $log)" >&2
    exit 1
  fi
}


build_libraries() {
  local work=$1
  if [ -d "$work/src" ] && [ -f "$work/src/.complete" ]; then
    :
  elif ! (rm -rf "$work/src" && mkdir -p "$work/src" && cd "$work/src" && apt-get source -qq "poco=$poco_version" "fmtlib=$fmt_version" \
          "spdlog=$spdlog_version" >"$work/apt-source.log" 2>&1); then
    cat "$work/apt-source.log" >&2
    echo "build-windows: apt-get source poco fmtlib spdlog failed" >&2
    exit 1
  else
    touch "$work/src/.complete"
  fi
  local poco_src fmt_src spdlog_src
  poco_src=$(find "$work/src" -maxdepth 1 -type d -name 'poco-*' | head -n1)
  fmt_src=$(find "$work/src" -maxdepth 1 -type d -name 'fmtlib-*' | head -n1)
  spdlog_src=$(find "$work/src" -maxdepth 1 -type d -name 'spdlog-*' | head -n1)

  # Poco's UnWindows.h includes <Winsock2.h> and <Iphlpapi.h>: MinGW's headers are lower case,
  # which a case-sensitive file system does not forgive.
  mkdir -p "$work/prefix/include/mingw-case"
  echo '#include <winsock2.h>' >"$work/prefix/include/mingw-case/Winsock2.h"
  # Through iprtrmib.h and mprapi.h, MinGW's iphlpapi.h brings wincrypt.h, whose
  # TIMESTAMP_REQUEST macro breaks Poco's ICMPv4PacketImpl enum; nothing here uses the macro.
  printf '#include <iphlpapi.h>\n#undef TIMESTAMP_REQUEST\n' \
    >"$work/prefix/include/mingw-case/Iphlpapi.h"
  local case_flags="-I$work/prefix/include/mingw-case"

  local common=(-DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release
                -DCMAKE_INSTALL_PREFIX="$work/prefix" -DCMAKE_PREFIX_PATH="$work/prefix"
                -DBUILD_SHARED_LIBS=OFF "${launcher[@]}")
  step "$work/fmt.log" cmake -S "$fmt_src" -B "$work/build/fmt" "${common[@]}" -DFMT_DOC=OFF -DFMT_TEST=OFF \
    -DFMT_INSTALL=ON
  step "$work/fmt.log" cmake --build "$work/build/fmt" -j"$jobs"
  step "$work/fmt.log" cmake --install "$work/build/fmt"

  step "$work/spdlog.log" cmake -S "$spdlog_src" -B "$work/build/spdlog" "${common[@]}" -DSPDLOG_FMT_EXTERNAL=ON \
    -DSPDLOG_BUILD_EXAMPLE=OFF -DSPDLOG_BUILD_TESTS=OFF -DSPDLOG_INSTALL=ON
  step "$work/spdlog.log" cmake --build "$work/build/spdlog" -j"$jobs"
  step "$work/spdlog.log" cmake --install "$work/build/spdlog"

  # Static Poco with its bundled SQLite, PCRE and zlib: the .exe files need no Poco DLL. Only the
  # libraries the daemon links (no XML: Util then leaves out XMLConfiguration). The bundled
  # SQLite (3.35.5) gets FTS5, which the store's trigram search tables (migration 4) need; the
  # store uses no JSON or math SQL functions. -O2 as Debian builds its packages: it compiles
  # faster than CMake's -O3. (CMake's unity build does not work for Poco 1.11: many files define
  # the same names in anonymous namespaces, and zlib's headers are not include-once.)
  step "$work/poco.log" cmake -S "$poco_src" -B "$work/build/poco" "${common[@]}" \
    -DCMAKE_C_FLAGS="$case_flags -DSQLITE_ENABLE_FTS5" -DCMAKE_CXX_FLAGS="$case_flags" \
    -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DPOCO_UNBUNDLED=OFF -DENABLE_TESTS=OFF \
    -DENABLE_FOUNDATION=ON -DENABLE_XML=OFF -DENABLE_JSON=ON -DENABLE_NET=ON -DENABLE_UTIL=ON \
    -DENABLE_DATA=ON -DENABLE_DATA_SQLITE=ON \
    -DENABLE_ENCODINGS=OFF -DENABLE_MONGODB=OFF -DENABLE_REDIS=ON -DENABLE_ZIP=OFF \
    -DENABLE_PAGECOMPILER=OFF -DENABLE_PAGECOMPILER_FILE2PAGE=OFF -DENABLE_ACTIVERECORD=OFF \
    -DENABLE_ACTIVERECORD_COMPILER=OFF -DENABLE_NETSSL=OFF -DENABLE_CRYPTO=OFF -DENABLE_JWT=OFF \
    -DENABLE_DATA_MYSQL=OFF -DENABLE_DATA_POSTGRESQL=OFF -DENABLE_DATA_ODBC=OFF
  step "$work/poco.log" cmake --build "$work/build/poco" -j"$jobs"
  step "$work/poco.log" cmake --install "$work/build/poco"
  # Poco's installed PocoUtilConfig.cmake asks for PocoXML whatever ENABLE_XML was.
  sed -i '/find_dependency(PocoXML)/d' "$work/prefix/cmake/PocoUtilConfig.cmake"
  # The daemon calls SQLite's C API itself: the header of the SQLite Poco bundles (its code is
  # inside PocoDataSQLite).
  cp "$poco_src/Data/SQLite/src/sqlite3.h" "$work/prefix/include/sqlite3.h"
  echo "poco $poco_version, fmt $fmt_version, spdlog $spdlog_version" >"$work/prefix/VERSIONS"
}

if [ ! -f "$prefix/.complete" ]; then
  echo "== build-windows: Poco, fmt and spdlog for MinGW-w64 into $prefix (once per machine)"
  mkdir -p "$cache"
  # Kept when a step fails, so that the next run goes on where this one stopped.
  work=$cache/.work-${prefix##*/}
  ensure_deb_src
  build_libraries "$work"
  rm -rf "$prefix"
  mv "$work/prefix" "$prefix"
  rm -rf "$work"
  touch "$prefix/.complete"
  echo "== build-windows: libraries took $(( $(now) - t0 )) s"
else
  echo "== build-windows: libraries cached in $prefix"
fi
t1=$(now)

# -- the two executables -------------------------------------------------------------------------
cmake -S "$repo" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCC_BUILD_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="-I$prefix/include/mingw-case" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs" --target controlcenterd controlcenterctl
echo "== build-windows: executables took $(( $(now) - t1 )) s"

# -- the Windows zip, as the .deb is for Debian -------------------------------------------------
version=$(sed -n 's/^project(controlcenter VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
name=controlcenter-$version-windows-x64
stage=$build/zip/$name
rm -rf "$build/zip"
mkdir -p "$stage"
cp "$build/controlcenterd.exe" "$build/controlcenterctl.exe" "$stage/"
cp etc/controlcenterd.properties "$stage/"
cp docs/windows.md "$stage/README-windows.md"
(cd "$build/zip" && zip -qr "../$name.zip" "$name")
echo "== build-windows: $build/$name.zip"
