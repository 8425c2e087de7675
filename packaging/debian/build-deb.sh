#!/usr/bin/env bash
# Builds artifacts/argy-agent_<version>_<arch>.deb from the self-contained agent that packaging/publish.sh
# put in artifacts/publish/argy-agent.
#
#   bash packaging/debian/build-deb.sh                      # version from Directory.Build.props
#   ARGY_DEB_VERSION=0.1.0+1 bash packaging/debian/build-deb.sh
#
# Layout: /usr/lib/argy-agent/argy-agent (+ /usr/bin/argy-agent link) with its appsettings.json (defaults,
# replaced on upgrade), /etc/argy-agent/agent.env (conffile: local settings as ARGY_AGENT__* variables, read by
# the unit), /lib/systemd/system/argy-agent.service. The settings file is a real file beside the binary, not a
# link into /etc: the job sandbox hides it by binding /dev/null over it, which a symbolic link defeats.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ARGY_ARTIFACTS:-$root/artifacts}
published="$out/publish/argy-agent"

fail() { echo "error: $*" >&2; exit 1; }
command -v dpkg-deb >/dev/null || fail "dpkg-deb is required (Debian package dpkg)"
[ -x "$published/argy-agent" ] || fail "$published/argy-agent not found; run packaging/publish.sh first"

version=${ARGY_DEB_VERSION:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n 1)}
[ -n "$version" ] || fail "no version: set ARGY_DEB_VERSION or <Version> in Directory.Build.props"
# The ELF header's e_machine byte: 0x3e x86-64, 0xb7 aarch64.
case $(od -An -tx1 -j18 -N1 "$published/argy-agent" | tr -d ' ') in
  3e) arch=amd64 ;;
  b7) arch=arm64 ;;
  *) fail "cannot tell the architecture of $published/argy-agent" ;;
esac
# libc6: the newest glibc symbol version the executable links against, never less than 2.27 (the NativeAOT
# executable needs the glibc of the machine that published it, 2.34 when published on Debian 12).
glibc=$( (LC_ALL=C grep -ao 'GLIBC_2\.[0-9]*' "$published/argy-agent" || true; echo GLIBC_2.27) \
  | sed 's/^GLIBC_//' | sort -u -t. -k1,1n -k2,2n | tail -n 1)
maintainer=${ARGY_DEB_MAINTAINER:-Argy contributors <maintainers@argy.invalid>}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg="$stage/argy-agent"
install -d -m 0755 "$pkg/DEBIAN" "$pkg/usr/lib/argy-agent" "$pkg/usr/bin" "$pkg/etc/argy-agent" \
  "$pkg/lib/systemd/system" "$pkg/usr/share/doc/argy-agent"
install -m 0755 "$published/argy-agent" "$pkg/usr/lib/argy-agent/argy-agent"
install -m 0644 "$published/appsettings.json" "$pkg/usr/lib/argy-agent/appsettings.json"
install -m 0640 "$here/agent.env" "$pkg/etc/argy-agent/agent.env"
ln -s ../lib/argy-agent/argy-agent "$pkg/usr/bin/argy-agent"
install -m 0644 "$root/packaging/systemd/argy-agent.service" "$pkg/lib/systemd/system/argy-agent.service"
install -m 0644 "$root/LICENSE" "$pkg/usr/share/doc/argy-agent/copyright"

size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" -e "s|@GLIBC@|$glibc|" -e "s|@MAINTAINER@|$maintainer|" \
  "$here/control.in" > "$pkg/DEBIAN/control"
install -m 0644 "$here/conffiles" "$pkg/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$pkg/DEBIAN/"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum > DEBIAN/md5sums)

mkdir -p "$out"
deb="$out/argy-agent_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$deb" >/dev/null
echo "built $deb ($(du -h "$deb" | cut -f1))"
