#!/usr/bin/env bash
# Lays out the container image's base file system (everything but Sluice's own jars) in one
# directory, for jib to add as an extra layer on top of "scratch". No registry, no daemon: the
# Java runtime is jlinked from the build JDK, the C libraries are the build machine's own.
#
#   build-rootfs.sh JDK_HOME OUT_DIR MODULES LIB_DIR
#
#   JDK_HOME  a JDK >= 21 whose jlink makes the runtime (Maven passes the JDK it runs on)
#   OUT_DIR   the root file system to make (emptied first; left alone if already made from the
#             same JDK, module list and this script, so a rebuild skips the ~20 s of jlink)
#   MODULES   comma-separated Java modules for jlink
#   LIB_DIR   Sluice's runtime jars (target/lib): the Netty native libraries inside them are what
#             the image must be able to load besides the JVM
#
# Result (all regular files, no symlinks, owned by root in the image):
#   /opt/java                      the jlinked runtime (its lib/security/cacerts holds the CA roots
#                                  Java trusts, ISRG Root X1 for Let's Encrypt included)
#   /lib64/ld-linux-x86-64.so.2    the dynamic loader every ELF file names as its interpreter
#   /lib/x86_64-linux-gnu/*.so.*   glibc and whatever else `ldd` says the JVM and Netty's natives
#                                  need, plus libgcc_s (glibc loads it to unwind exiting threads)
#   /etc/passwd, group             root and nonroot (65532), the user the image runs as
#   /etc/nsswitch.conf             files, then DNS (glibc >= 2.34 has both built in)
#   /etc/sluice/jvm-flags          the entrypoint's JVM flags (a java @argument file), written
#                                  here because one of them exists only from Java 23 on
#   /tmp                           writable by all: the JVM and Netty write there (an emptyDir in
#                                  the chart; jib sets the mode, 777, as it cannot set the sticky bit)
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 JDK_HOME OUT_DIR MODULES LIB_DIR" >&2
  exit 2
fi
jdk="$1" modules="$3"
out="$(readlink -m "$2")" libdir="$(readlink -f "$4")"
here="$(cd "$(dirname "$0")" && pwd)"

[ -x "$jdk/bin/jlink" ] || { echo "no jlink in $jdk (a JDK, not a JRE, is needed)" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "builds a linux/amd64 image; this is $(uname -m)" >&2; exit 1; }
command -v ldd >/dev/null || { echo "ldd not found (Debian package libc-bin)" >&2; exit 1; }

# the same inputs as last time: nothing to do
stamp="$("$jdk/bin/java" -version 2>&1 | head -1) | $modules | $(cksum <"$0" | cut -d' ' -f1)"
if [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp" ]; then
  echo "image root file system up to date: $out"
  exit 0
fi

rm -rf "$out"
mkdir -p "$out/opt" "$out/lib64" "$out/lib/x86_64-linux-gnu" "$out/etc" "$out/tmp"

# --strip-debug also drops native debug info (symbols stay, for readable hs_err crash logs);
# no --compress: the layer is gzipped anyway, a compressed modules file would only cost CPU.
# No --generate-cds-archive: it adds 14 MB (4 MB gzipped) and measured no faster start here, as
# Sluice's start is mostly its own and its libraries' classes, which that archive does not hold.
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$out/opt/java"

# Netty unpacks these from its jars into /tmp at run time; ldd them now to learn what they load
natives="$(mktemp -d)"
trap 'rm -rf "$natives"' EXIT
for jar in "$libdir"/netty-transport-native-epoll-*-linux-x86_64.jar \
           "$libdir"/netty-tcnative-boringssl-static-*-linux-x86_64.jar; do
  [ -f "$jar" ] || { echo "missing $jar" >&2; exit 1; }
  (cd "$natives" && "$jdk/bin/jar" xf "$jar" META-INF/native)
done

# The ELF files that load at run time. The AWT/X11/sound libraries of java.desktop are left out
# on purpose: headless, only java.beans of that module is used, and they never load.
elves=("$out/opt/java/bin/java" "$out/opt/java/lib/server/libjvm.so" "$natives"/META-INF/native/*.so)
for so in libjli libjava libjimage libnet libnio libzip libverify libextnet libmanagement \
          libmanagement_ext libprefs libsyslookup libsimdsort; do
  [ -f "$out/opt/java/lib/$so.so" ] && elves+=("$out/opt/java/lib/$so.so")
done

# every library ldd resolves outside the runtime itself; "not found" for libjvm.so is expected
# (the launcher finds it by path), any other unresolved library fails the build
deps="$(for f in "${elves[@]}"; do ldd "$f"; done)"
missing="$(grep 'not found' <<<"$deps" | grep -v 'libjvm.so' || true)"
[ -z "$missing" ] || { echo "unresolved libraries:"$'\n'"$missing" >&2; exit 1; }
libs="$(awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<<"$deps" | grep -v "^$out/" | sort -u)"
gcc_s="$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ {print $NF; exit}')"
[ -n "$gcc_s" ] && libs+=$'\n'"$gcc_s"
for lib in $libs; do
  cp -L "$lib" "$out/lib/x86_64-linux-gnu/$(basename "$lib")"
done
loader="$(awk '$1 ~ /^\/.*ld-linux-x86-64\.so\.2$/ {print $1; exit}' <<<"$deps")"
cp -L "${loader:-/lib64/ld-linux-x86-64.so.2}" "$out/lib64/ld-linux-x86-64.so.2"

cp "$here/etc/passwd" "$here/etc/group" "$here/etc/nsswitch.conf" "$out/etc/"
chmod 777 "$out/tmp"

# Netty's JNI libraries need native access (a warning from Java 22 on without this flag), and
# from Java 23 on Netty's use of sun.misc.Unsafe warns unless allowed (see bin/sluice)
major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$out/opt/java/release")"
mkdir -p "$out/etc/sluice"
{
  echo "--enable-native-access=ALL-UNNAMED"
  if [ "${major:-21}" -ge 23 ]; then echo "--sun-misc-unsafe-memory-access=allow"; fi
} >"$out/etc/sluice/jvm-flags"

echo "$stamp" >"$out.stamp"
echo "image root file system: $out ($(du -sh "$out" | cut -f1)); libraries: $(ls "$out/lib/x86_64-linux-gnu" | tr '\n' ' ')"
