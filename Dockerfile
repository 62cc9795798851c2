# One image for the worker, the receiver and the emulator; docker-compose.yml picks the command.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY common ./common
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY receiver ./receiver
COPY emulator ./emulator
COPY scripts ./scripts
USER node
CMD ["npx", "tsx", "worker/main.ts"]
