# syntax=docker/dockerfile:1
# tsoracle as a container: `docker build -t tsoracle .`, then
#   docker run -d --name tsoracle -p 50551:50551 -p 50553:50553 -v tsoracle-data:/var/lib/tsoracle tsoracle
# serves the file driver on /var/lib/tsoracle. Details, the Raft variant and the health check:
# docs/deploy.md.

# ---- build: compile TypeScript and the fs-ext native addon, then drop the dev dependencies ----
FROM node:20-bookworm AS build
# fs-ext is compiled by node-gyp at install time: python3, make and a C++ compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp builds against this image's own headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (tsc) needs the sources, copied below; fs-ext's own
# install script (node-gyp) is run by `npm rebuild` right after.
RUN npm ci --ignore-scripts && npm rebuild fs-ext
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts \
 && node -e "require('fs-ext')" \
 && rm -rf dist/bench dist/examples

# ---- runtime: node only, no compiler, a non-root user, the data on a volume ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    TSORACLE_HEALTH_URL=http://127.0.0.1:50553/readyz
RUN groupadd --system tsoracle \
 && useradd --system --gid tsoracle --home-dir /var/lib/tsoracle --no-create-home --shell /usr/sbin/nologin tsoracle \
 && mkdir -p /var/lib/tsoracle \
 && chown tsoracle:tsoracle /var/lib/tsoracle \
 && chmod 0700 /var/lib/tsoracle
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/LICENSE ./LICENSE
USER tsoracle
VOLUME ["/var/lib/tsoracle"]
# 50551 client protocol, 50552 Raft peers (serve raft), 50553 HTTP (/metrics, /healthz, /readyz).
EXPOSE 50551 50552 50553
# No curl in the slim image: node asks /readyz itself (200 only while this node serves; for
# `serve raft` followers answer 503, so point TSORACLE_HEALTH_URL at /healthz there).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const u = process.env.TSORACLE_HEALTH_URL; require('http').get(u, { timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).on('timeout', () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/runners/cli.js"]
# Off loopback a plaintext, unauthenticated client port needs --insecure (docs/security.md): the
# container's network is the boundary here; in production give --tls-cert/--tls-key instead.
CMD ["serve", "file", "--data-dir", "/var/lib/tsoracle", "--listen", "0.0.0.0:50551", "--http-listen", "0.0.0.0:50553", "--insecure"]
