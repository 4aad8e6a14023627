# paceline serve as a container: the fake Okta and the MCP gateway, for CI service containers and
# testcontainers. Build after `npm run build` (the image takes the compiled dist/ from the context):
#   docker build -t paceline .
#   docker build -t paceline --build-arg BASE_IMAGE=paceline-node-base --network host .   (no registry images)
# The base needs node and npm; the default is the official Node 24 slim image.
ARG BASE_IMAGE=node:24-slim

# Production dependencies only, from the lockfile, with no install scripts.
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
# paceline needs Node 22 or newer: a base with an older Node fails the build here, not at start.
RUN ["node", "-e", "const m=+process.versions.node.split('.')[0]; if (m < 22) { console.error('paceline needs Node 22+, the base image has ' + process.version); process.exit(1); }"]
COPY package.json package-lock.json ./
# The lockfile names the client workspace: npm ci wants its manifest (its code is in dist/client).
# Its optional peers (agent SDKs, OpenTelemetry) are dev dependencies here: --omit=optional keeps
# them out, as before the workspace (the harness has no optional dependencies of its own).
COPY client/package.json ./client/
RUN ["npm", "ci", "--omit=dev", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"]

FROM ${BASE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \
    PACELINE_HOST=0.0.0.0 \
    PACELINE_PORT=8080 \
    PACELINE_GATEWAY_PORT=8081
COPY --from=deps /app/node_modules ./node_modules
COPY package.json README.md LICENSE ./
COPY dist/cli ./dist/cli
COPY dist/client ./dist/client
COPY dist/harness ./dist/harness
COPY scenarios ./scenarios
# The official image's unprivileged user (uid 1000); scripts/docker-base.sh makes the same one.
USER node
EXPOSE 8080 8081
HEALTHCHECK --interval=2s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PACELINE_PORT+'/__admin/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/bin.js", "serve"]
