#!/usr/bin/env bash
# Installs the Debian packages callgate needs to build and test. Safe to run again: it only
# calls apt-get when something is missing. Used by run.sh, test.sh and docker/Dockerfile.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build make pkg-config git ca-certificates openssl
  libboost1.81-dev nlohmann-json3-dev libsodium-dev libssl-dev libspdlog-dev
  libyaml-cpp-dev libsqlite3-dev libhiredis-dev libcli11-dev libjwt-dev
  libhowardhinnant-date-dev tzdata libphonenumber8 libprotobuf-dev libabsl-dev librdkafka-dev libpq-dev
)
test_packages=(libgtest-dev libgmock-dev sqlite3 clang libclang-rt-14-dev clang-tidy clang-format curl
  redis-server redis-sentinel nginx-light postgresql
  python3 python3-jsonschema chromium
  prometheus)  # for promtool: tests/monitoring/check.sh
bench_packages=(nginx-light curl redis-server)
# The Node.js peer and the Node receiver example need node (and the peer npm); a machine may
# have them from elsewhere than Debian.
# The build installs the console's chart library with npm from console/vendor's lockfile; the
# console's browser test installs playwright-core the same way.
if ! command -v node >/dev/null; then build_packages+=(nodejs); fi
if ! command -v npm >/dev/null; then build_packages+=(npm); fi

want=("${build_packages[@]}")
for option in "$@"; do
  case "$option" in
    --with-tests) want+=("${test_packages[@]}") ;;
    --with-bench) want+=("${bench_packages[@]}") ;;
    *) echo "setup: unknown option $option (use --with-tests, --with-bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# libphonenumber's headers. Debian's libphonenumber-dev depends on libboost-thread-dev, which is
# Boost 1.74 and cannot be installed beside libboost1.81-dev (apt would remove Boost 1.81). The
# library itself is libphonenumber8 (above, which needs no Boost); its headers are taken from the
# same version's -dev package, unpacked under build/deps/ rather than installed. CMake looks
# there (cmake/phonenumber.cmake).
root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/build/deps"
if [[ ! -f /usr/include/phonenumbers/phonenumberutil.h &&
      ! -f "$deps/libphonenumber-dev/usr/include/phonenumbers/phonenumberutil.h" ]]; then
  version=$(dpkg-query -W -f='${Version}' libphonenumber8)
  echo "setup: unpacking the headers of libphonenumber-dev $version into $deps"
  mkdir -p "$deps/download"
  (cd "$deps/download" && apt-get download -qq "libphonenumber-dev=$version")
  dpkg-deb -x "$deps"/download/libphonenumber-dev_*.deb "$deps/libphonenumber-dev"
  rm -rf "$deps/download"
fi

# The presets build with Ninja; a build folder configured with another generator (by an older
# callgate) cannot be reconfigured in place, so its cache is dropped and it is configured afresh.
for cache in "$root"/build/*/CMakeCache.txt; do
  if [[ -f $cache ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$cache"; then
    echo "setup: $(dirname "$cache") was configured with another generator: configuring it afresh"
    rm -rf "$cache" "$(dirname "$cache")/CMakeFiles"
  fi
done
