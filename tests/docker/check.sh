#!/usr/bin/env bash
# What can be checked of the image without a Docker engine (these machines have none):
#  - every shared library the built binary needs comes from a package that the Dockerfile's
#    runtime stage installs (ldd + dpkg -S), or from the base image's essential packages;
#  - .dockerignore keeps the host's build/, var/ and .git out of the build context;
#  - every callgate config the compose files mount passes `callgate check-config`, and every
#    ${VAR} it reads is passed in by that compose file's environment.
#   tests/docker/check.sh REPO_ROOT CALLGATE_BINARY
set -euo pipefail
repo=$(cd "$1" && pwd)
binary=$2
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# The runtime stage is everything after the last FROM; its packages follow "apt-get install".
runtime=$(awk '/^FROM /{stage=""} {stage = stage $0 "\n"} END {printf "%s", stage}' "$repo/docker/Dockerfile" |
  sed ':a;/\\$/{N;s/\\\n//;ba}' | grep -o 'apt-get install[^&]*' | tr ' ' '\n' |
  grep -v -e '^-' -e '^apt-get$' -e '^install$' -e '^$' | sort -u)
base="libc6 libgcc-s1"  # Essential in every Debian image, debian:12-slim included

package_of() { # a library path as ldd prints it -> the Debian package that ships it
  local path=$1 candidate
  for candidate in "$path" "${path#/usr}" "/usr$path" "$(readlink -f "$path")"; do
    if out=$(dpkg -S "$candidate" 2>/dev/null); then
      echo "${out%%:*}"
      return 0
    fi
  done
  return 1
}

while read -r lib path; do
  [[ -z "$path" || "$path" == "not" ]] && { fail "ldd cannot resolve $lib"; continue; }
  if ! pkg=$(package_of "$path"); then
    fail "$lib ($path) belongs to no Debian package"
    continue
  fi
  if grep -qx "$pkg" <<<"$runtime" || [[ " $base " == *" $pkg "* ]]; then
    ok
  else
    fail "$lib comes from $pkg, which docker/Dockerfile's runtime stage does not install"
  fi
done < <(ldd "$binary" | awk '/=>/ {print $1, $3}')

for ignored in .git build var; do
  if grep -qx "$ignored" "$repo/.dockerignore" 2>/dev/null; then ok; else fail ".dockerignore does not leave out $ignored"; fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
telnyx_key=$(head -c 32 /dev/urandom | base64)
for compose in "$repo"/docker/compose*.yaml; do
  mounted=$(grep -o '\./[A-Za-z0-9_.-]*\.yaml:/etc/callgate/callgate.yaml' "$compose" | cut -d: -f1 | sort -u)
  [[ -n "$mounted" ]] || { fail "$(basename "$compose") mounts no callgate config"; continue; }
  for config in $mounted; do
    file="$repo/docker/${config#./}"
    env=()
    for var in $(sed 's/#.*//' "$file" | grep -o '\${[A-Za-z_][A-Za-z0-9_]*' | cut -c3- | sort -u); do
      if grep -q "^ *$var:" "$compose"; then ok; else fail "$(basename "$compose") does not pass $var to $(basename "$file")"; fi
      value=x
      [[ $var == *PUBLIC_KEY* ]] && value=$telnyx_key
      env+=("$var=$value")
    done
    if out=$(cd "$work" && env "${env[@]}" "$binary" check-config "$file" 2>&1); then
      ok
    else
      fail "$(basename "$file") (mounted by $(basename "$compose")): $out"
    fi
  done
done

echo "$passed passed, $failed failed"
((failed == 0))
