# syntax=docker/dockerfile:1
# sitroom: build with the full toolchain, run a slim image as the non-root `node` user.
#   docker build -t sitroom .
#   docker run -d --name sitroom -p 3000:3000 -v sitroom-data:/data --env-file .env sitroom

# --- build: compile TypeScript, keep only production dependencies ---------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc -b tsconfig.build.json: src/**/*.ts -> dist/**/*.js (relative .ts imports rewritten to .js).
RUN npm run build \
  && npm prune --omit=dev

# --- runtime ------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_PATH=/data/sitroom.db \
    PORT=3000
WORKDIR /app
# package.json is needed at runtime: "type": "module" makes dist/*.js ES modules.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# dist/storage/database.js reads ../../migrations, i.e. /app/migrations; applied on every start.
COPY migrations ./migrations
# dist/storage/pg/pg-database.js reads ../../../migrations-pg (DATABASE_URL=postgres://…), under an advisory lock.
COPY migrations-pg ./migrations-pg
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: sitroom drains in-flight work and exits within 10 s.
CMD ["node", "dist/main.js"]
