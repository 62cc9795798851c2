# syntax=docker/dockerfile:1
# One image for the worker, the receiver and the emulator (docker-compose.yml picks the command): compiled
# JavaScript on Node.js 24 LTS, production dependencies only, run as the unprivileged `node` user.
ARG NODE_VERSION=24.21.0

# Build: every dependency (TypeScript included) from the lockfile, then `npm run build` (tsc -> dist/).
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime: production dependencies from the same lockfile and the compiled output; no TypeScript, no tsx.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The console's templates and static files (`node dist/example/cli.js console`; doctor and the rest need only dist/).
COPY --from=build /app/console/views ./console/views
COPY --from=build /app/console/public ./console/public
# Videos and published files go to a volume the unprivileged user owns (compose mounts one at /data).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8789 8790
CMD ["node", "dist/example/worker.js"]
