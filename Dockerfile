# zbridge proxy image (README "Deployment"). Build: docker build -t zbridge .
# Run:   docker run -p 8080:8080 -v zbridge-data:/var/lib/zbridge -v $PWD/zbridge.yaml:/etc/zbridge/zbridge.yaml:ro zbridge
#
# Stage 1 compiles TypeScript and keeps exactly what the npm package ships (package.json "files") plus the
# production dependencies; stage 2 runs it as the unprivileged "node" user.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm pack --silent \
 && mkdir /app \
 && tar -xzf zbridge-*.tgz -C /app --strip-components=1 \
 && cp -R node_modules /app/node_modules

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    ZBRIDGE_JOURNAL_DIR=/var/lib/zbridge/journal
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /var/lib/zbridge /etc/zbridge && chown node:node /var/lib/zbridge
# Journals and the token cache live here; mount a volume to keep them across containers.
VOLUME ["/var/lib/zbridge"]
USER node
EXPOSE 8080
# /readyz answers 200 once every profile can get a token and read its metadata (503 otherwise). `zbridge
# healthcheck` loads the configuration as serve does (ZBRIDGE_CONFIG, then the environment: give the file by
# ZBRIDGE_CONFIG, not by `serve --config`) and asks /readyz on the admin listener when admin.port is set, else on
# the proxy port, wherever the ports were set; exit 0 only for the "ready" answer. Loading the CLI takes about a
# second of CPU, hence the 10 s.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["node", "dist/bin.js", "healthcheck"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/bin.js", "serve"]
