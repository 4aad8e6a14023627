#!/usr/bin/env bash
# Builds a Redis image from Debian's redis-server, for machines that cannot pull one (the shared
# limiter's Redis, started by testcontainers). Usage: scripts/docker-redis.sh [image, default paceline-redis]
set -euo pipefail
image="${1:-paceline-redis}"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "paceline: installing redis-server from Debian's packages" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
server="$(readlink -f "$(command -v redis-server)")"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/data" "$root/tmp" "$root/etc"
cp -L "$server" "$root/usr/local/bin/redis-server"
for lib in $(ldd "$server" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -Ln "$lib" "$root$lib"
done
chmod 1777 "$root/tmp" "$root/data"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nredis:x:999:999::/data:/usr/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nredis:x:999:\n' >"$root/etc/group"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'WORKDIR /data' \
  --change 'USER redis' \
  --change 'EXPOSE 6379' \
  --change 'CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no"]' \
  - "$image" >/dev/null
echo "$image: $(redis-server --version | cut -d' ' -f1-3), from Debian's package" >&2
