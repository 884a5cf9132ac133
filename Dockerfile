# pywarden: build with `docker build -t pywarden .`, run with
#   docker run -p 3141:3141 -v pywarden-data:/data pywarden
FROM node:20-bookworm-slim AS build
WORKDIR /app
# node-gyp needs a compiler for better-sqlite3 and tree-sitter.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# onnxruntime-node's install script downloads CUDA libraries we do not use. npm 11 skips it for the
# `allowScripts: false` entry in package.json; the npm 10 of node:20 images does not read that
# field, so the script's own switch is set here (a .npmrc key made npm 11 warn on every command).
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PYWARDEN_HOST=0.0.0.0 PYWARDEN_DATA=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY package.json ./
COPY config ./config
COPY models ./models
# The review page's HTML, CSS and script are read from their source folder at start-up.
COPY src/review/static ./src/review/static
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 3141
USER node
ENTRYPOINT ["node", "bin/pywarden.js"]
CMD ["serve"]
