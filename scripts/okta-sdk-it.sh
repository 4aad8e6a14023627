#!/usr/bin/env bash
# Runs Okta's own Node SDK integration tests (test/it of github.com/okta/okta-sdk-nodejs, written
# for live orgs) against the fake Okta, and prints passing/total per file and overall.
#
#   git clone https://github.com/okta/okta-sdk-nodejs /tmp/okta-sdk-nodejs
#   npm run build && scripts/okta-sdk-it.sh /tmp/okta-sdk-nodejs            # the default set below
#   scripts/okta-sdk-it.sh /tmp/okta-sdk-nodejs user-get.ts group-list.ts   # or named files
#
# The tests are copied to a temporary folder with the few packages they import (from the npm
# registry); nothing of them enters this repository. Their org is assumed to have an `age` custom
# profile attribute (user-get.ts sets it), so the fixture declares one.
set -euo pipefail
checkout=${1:?usage: scripts/okta-sdk-it.sh <okta-sdk-nodejs checkout> [test files…]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
source "$root/scripts/ensure-node.sh" >/dev/null
[ -d "$checkout/test/it" ] || { echo "no test/it in $checkout" >&2; exit 2; }
[ -f "$root/dist/harness/fake-okta/server.js" ] || { echo "run npm run build first" >&2; exit 2; }

work=$(mktemp -d)
cleanup() { [ -n "${fake:-}" ] && kill "$fake" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/test"
cp -r "$checkout/test/it" "$checkout/test/utils.ts" "$work/test/"
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error \
  @okta/okta-sdk-nodejs@^8 @faker-js/faker@^5.5.3 chai@^4.5.0 mocha@^10.8.2 njwt@^2 node-forge@^1.4.4 \
  rasha@^1.2.5 sinon@^17 ts-node@^10.9.2 typescript@4.9 @types/node@^20 >/dev/null)

# The token goes through the environment, never a command line.
OKTA_CLIENT_TOKEN="sdk-it-$(node -e 'console.log(require("node:crypto").randomBytes(16).toString("hex"))')"
export OKTA_CLIENT_TOKEN
cat >"$work/serve.mjs" <<EOF
import { startFakeOkta } from "$root/dist/harness/fake-okta/server.js";
const fixture = {
  seed: 1,
  generate: { users: 20, logs: 10 },
  users: [{ login: "schema.sample@example.com", firstName: "Schema", lastName: "Sample", profile: { age: 30 } }],
};
// Okta runs these tests against a preview org: its role targets read orn:oktapreview:...
const okta = await startFakeOkta({ fixture, limits: "none", port: 0, token: process.env.OKTA_CLIENT_TOKEN, ornPartition: "oktapreview" });
console.log(okta.url);
EOF
node "$work/serve.mjs" >"$work/url" 2>"$work/serve.log" &
fake=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
OKTA_CLIENT_ORGURL=$(head -1 "$work/url")
export OKTA_CLIENT_ORGURL TS_NODE_TRANSPILE_ONLY=1 NODE_OPTIONS=--no-experimental-strip-types

if [ $# -eq 0 ]; then
  set -- $(cd "$work/test/it" && ls application-*.ts client-*application*.ts appuser-delete.ts \
    client-list-users.ts user-lifecycle.ts user-role.ts user-assign-role.ts group-get.ts group-list.ts \
    group-search.ts group-update.ts group-user-operations.ts client-get-logs.ts user-group-target-role.ts \
    user-get.ts user-profile-update.ts user-expire-password.ts group-app.ts user-applink.ts \
    client-role.ts group-role.ts role-target.ts user-list-enrolled-factors.ts factor-create.ts factor-delete.ts)
fi
passed=0
total=0
for file in "$@"; do
  out=$(cd "$work" && timeout 180 npx mocha -r ts-node/register --timeout 20000 "test/it/$file" 2>&1 || true)
  p=$(grep -oE "[0-9]+ passing" <<<"$out" | grep -oE "[0-9]+" || echo 0)
  f=$(grep -oE "[0-9]+ failing" <<<"$out" | grep -oE "[0-9]+" || echo 0)
  s=$(grep -oE "[0-9]+ pending" <<<"$out" | grep -oE "[0-9]+" || echo 0)
  first=$(grep -E "Okta HTTP|Error:" <<<"$out" | head -1 | sed 's/^ *//' | cut -c1-120 || true)
  printf '%-48s %3s/%-3s pending %-2s %s\n' "$file" "$p" "$((p + f))" "$s" "$first"
  passed=$((passed + p))
  total=$((total + p + f))
done
echo "passing $passed of $total (pending tests, skipped by the SDK itself, not counted)"
