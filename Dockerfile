# Lead-scoring prediction service. Three stages so that the final image holds only what runs:
# compiled JavaScript, production dependencies (ONNX Runtime for this platform only) and the
# built-in model. The base comes from a build argument so that CI can build on a local stand-in;
# it must be glibc-based (Debian), because ONNX Runtime's prebuilt binaries link against glibc.
#
#   docker build -t lead-scoring:0.1.0 --build-arg VERSION=0.1.0 \
#     --build-arg SOURCE=https://github.com/<owner>/<repo> .
ARG BASE=node:24-bookworm-slim

# ---- build: compile TypeScript with the full (dev) dependency tree ---------------------------
FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script to build; onnxruntime-node's would try
# to download CUDA libraries, which a CPU image neither needs nor can always reach. (package.json's
# allowScripts denies it too, but only npm >= 11.16 reads that; this holds with any base's npm.)
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Source maps are left behind: the image ships compiled JavaScript only.
RUN npm run build && find dist -name '*.map' -delete

# ---- deps: production dependencies only --------------------------------------------------------
FROM ${BASE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# onnxruntime-node carries prebuilt binaries for every OS and CPU (~290 MB); keep only the one
# this image runs on (~45 MB), which is what makes the image small.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && bin=node_modules/onnxruntime-node/bin/napi-v6 \
 && keep="$(node -p 'process.platform + "/" + process.arch')" \
 && test -f "$bin/$keep/onnxruntime_binding.node" \
 && mv "$bin/$keep" /tmp/ort && rm -rf "$bin" && mkdir -p "$bin/${keep%/*}" && mv /tmp/ort "$bin/$keep" \
 && rm -rf /root/.npm

# ---- runtime -----------------------------------------------------------------------------------
FROM ${BASE}
ARG VERSION=0.1.0
# Set to the repository URL when building a release (package.json names none yet).
ARG SOURCE=https://example.invalid/lead-scoring
LABEL org.opencontainers.image.title="lead-scoring" \
      org.opencontainers.image.description="Lead-scoring model serving: Fastify + ONNX Runtime" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
# Everything stays owned by root and is only readable by the service's user: the process cannot
# modify its own code, and the container runs with a read-only root filesystem (only /tmp, an
# emptyDir in Kubernetes, is writable).
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
# package.json: the service reads its own version from it and finds models/ next to it.
COPY package.json ./
COPY models/lead-scoring ./models/lead-scoring
# `lead-scoring` on PATH (registry, monitor): what the chart's CronJob and an operator's
# `kubectl exec` run. main.js starts with `#!/usr/bin/env node`; it stays root-owned.
RUN chmod 0755 dist/src/cli/main.js && ln -s /app/dist/src/cli/main.js /usr/local/bin/lead-scoring
# A numeric uid (the base image's `node` user) so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# 8080: the API. 9464: Prometheus metrics when METRICS_PORT is set (kept off the load balancer).
EXPOSE 8080 9464
# Node is PID 1 and exec'd directly (no shell, no npm): it receives SIGTERM itself, drains for
# DRAIN_SECONDS while readiness reports 503, finishes in-flight requests and exits 0.
# --max-semi-space-size=4: a 4 MB young generation instead of 16 MB keeps ~20 MB less resident
# at the same throughput (requests allocate little and die young; measured with npm run bench).
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/src/server.js"]
