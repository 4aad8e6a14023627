#!/usr/bin/env bash
# Builds a Node base image from local files, for machines that cannot pull one: the Node binary this
# project runs on, the libraries it links, npm, /usr/bin/env, and a `node` user (uid 1000) as in
# the official image. Usage: scripts/docker-base.sh [image name, default paceline-node-base]
set -euo pipefail
image="${1:-paceline-node-base}"
node_bin="$(command -v node)"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

copy_with_libs() {
  local binary="$1" target="$2"
  mkdir -p "$root$(dirname "$target")"
  cp -L "$binary" "$root$target"
  for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -Ln "$lib" "$root$lib" 2>/dev/null || true
  done
}

copy_with_libs "$node_bin" /usr/local/bin/node
copy_with_libs /usr/bin/env /usr/bin/env
mkdir -p "$root/usr/local/lib/node_modules" "$root/tmp" "$root/etc" "$root/home/node" "$root/root"
cp -r "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000::/home/node:/usr/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
chown 1000:1000 "$root/home/node"
# This machine's trust store (its npm registry may sit behind a TLS-inspecting proxy), used by node and npm.
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
ca_env=()
if [[ -f "$ca" ]]; then
  mkdir -p "$root/etc/ssl/certs"
  cp -L "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
  ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' --change 'ENV npm_config_cafile=/etc/ssl/certs/ca-certificates.crt')
fi
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV HOME=/root' \
  "${ca_env[@]}" \
  - "$image" >/dev/null
echo "$image: node $("$node_bin" --version), npm $(npm --version), from local files" >&2
