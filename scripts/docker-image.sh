#!/usr/bin/env bash
# Builds the paceline image (and the Redis image the shared-limiter tests use). Where the official
# Node image can be pulled, that is the base; otherwise a base made from this machine's files.
# Usage: scripts/docker-image.sh [tag, default paceline:latest]   (after npm run build)
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-paceline:latest}"
base="${PACELINE_BASE_IMAGE:-}"
if [[ -z "$base" ]]; then
  if timeout 30 docker pull -q node:24-slim >/dev/null 2>&1; then base="node:24-slim"; else
    scripts/docker-base.sh paceline-node-base
    base="paceline-node-base"
  fi
fi
docker build -q -t "$tag" --build-arg "BASE_IMAGE=$base" --network host . >/dev/null
if ! docker image inspect paceline-redis:latest >/dev/null 2>&1; then
  if timeout 30 docker pull -q redis:7-alpine >/dev/null 2>&1; then docker tag redis:7-alpine paceline-redis:latest; else
    scripts/docker-redis.sh paceline-redis
  fi
fi
echo "$tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}') on $base" >&2
