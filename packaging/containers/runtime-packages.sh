#!/bin/sh
# Prints the Debian packages that provide the shared libraries the given executables load, one per
# line, so a run stage installs exactly those (and nothing of the build toolchain).
# Usage: runtime-packages.sh EXECUTABLE...
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 EXECUTABLE..." >&2
  exit 2
fi

for executable in "$@"; do
  if [ ! -x "$executable" ]; then
    echo "runtime-packages.sh: $executable is not an executable file" >&2
    exit 1
  fi
done

libraries=$(for executable in "$@"; do
  # "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" and the loader's own "/lib64/ld-linux..."
  ldd "$executable" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u)

packages=""
for library in $libraries; do
  # Debian 12 merged /lib into /usr/lib, but dpkg still knows each file by the path its package uses.
  package=""
  for candidate in "$library" "$(readlink -f "$library")" "/usr$library" "${library#/usr}"; do
    package=$(dpkg-query --search "$candidate" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1) || true
    [ -n "$package" ] && break
  done
  if [ -z "$package" ]; then
    echo "runtime-packages.sh: no Debian package provides $library" >&2
    exit 1
  fi
  packages="$packages
$package"
done
printf '%s\n' "$packages" | sed '/^$/d' | sort -u
